-- One row per labour-market region (all 35, also when a count is 0) x extract quarter
-- present in raw.placements: flows and 12-month retention, with the national figures
-- beside them. Definitions: the intermediate models' ymls and mart_region_quarter.yml.

with

regions as (

    select distinct
        region_code,
        region_name
    from {{ ref('stg_reference__municipalities') }}
    where region_code is not null

),

quarters as (

    select quarter, quarter_start, quarter_end from {{ ref('int_extract_quarters') }}

),

stock as (

    select * from {{ ref('int_region_stock') }}

),

spells as (

    select * from {{ ref('int_spells') }}

),

placement_spells as (

    select * from {{ ref('int_placement_spells') }}

),

-- Placed people still in work after the quarter end (the person-quarter panel).
in_work as (

    select region_code, quarter, count(*) as placed_in_work
    from {{ ref('int_person_quarters') }}
    where is_in_work_at_quarter_end and region_code is not null
    group by region_code, quarter

    union all

    select 'NL' as region_code, quarter, count(*) as placed_in_work
    from {{ ref('int_person_quarters') }}
    where is_in_work_at_quarter_end
    group by quarter

),

-- Retention of the quarter's cohort at 6, 12 and 24 months, once observable.
retention as (

    select
        region_code,
        cohort_quarter,
        max(cohort_size) as cohort_size,
        {%- for k in [6, 12, 24] %}
        max(case when month = {{ k }} and is_observable then survival end) as retention_{{ k }}m
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_spell_survival') }}
    where month in (6, 12, 24) and cohort_kind = 'quarter'
    group by region_code, cohort_quarter

),

-- Every spell counted for its region and for the country ('NL').
region_spells as (

    select region_code, spell_id, start_quarter, end_quarter, is_provisional_end
    from spells
    where region_code is not null

    union all

    select 'NL' as region_code, spell_id, start_quarter, end_quarter, is_provisional_end
    from spells

),

starts as (

    select
        region_code,
        start_quarter as quarter,
        count(*) as placements_started
    from region_spells
    group by region_code, start_quarter

),

ends as (

    select
        region_code,
        end_quarter as quarter,
        count(*) as spell_ends,
        sum(case when is_provisional_end then 1 else 0 end) as job_losses_provisional
    from region_spells
    where end_quarter is not null
    group by region_code, end_quarter

),

-- A job-to-job move counts for the region of its spell, in the quarter it starts.
moves as (

    select
        region_spells.region_code,
        placement_spells.start_quarter as quarter,
        count(*) as job_to_job_moves
    from placement_spells
    inner join region_spells
        on placement_spells.spell_id = region_spells.spell_id
    where placement_spells.placement_kind = 'job_to_job'
    group by region_spells.region_code, placement_spells.start_quarter

),

flows as (

    select
        region_quarters.region_code,
        region_quarters.quarter,
        coalesce(starts.placements_started, 0) as placements_started,
        coalesce(moves.job_to_job_moves, 0) as job_to_job_moves,
        coalesce(ends.spell_ends, 0) as spell_ends,
        coalesce(ends.job_losses_provisional, 0) as job_losses_provisional,
        coalesce(in_work.placed_in_work, 0) as placed_in_work,
        retention.retention_6m,
        retention.retention_12m,
        retention.retention_24m,
        coalesce(retention.cohort_size, 0) as retention_12m_cohort
    from (
        select regions.region_code, quarters.quarter
        from regions
        cross join quarters
        union all
        select 'NL' as region_code, quarter
        from quarters
    ) as region_quarters
    left join starts
        on region_quarters.region_code = starts.region_code
        and region_quarters.quarter = starts.quarter
    left join moves
        on region_quarters.region_code = moves.region_code
        and region_quarters.quarter = moves.quarter
    left join ends
        on region_quarters.region_code = ends.region_code
        and region_quarters.quarter = ends.quarter
    left join in_work
        on region_quarters.region_code = in_work.region_code
        and region_quarters.quarter = in_work.quarter
    left join retention
        on region_quarters.region_code = retention.region_code
        and region_quarters.quarter = retention.cohort_quarter

),

final as (

    select
        cast(regions.region_code as {{ dbt.type_string() }}) as region_code,
        cast(regions.region_name as {{ dbt.type_string() }}) as region_name,
        cast(quarters.quarter as {{ dbt.type_string() }}) as quarter,
        cast(quarters.quarter_start as date) as quarter_start,
        cast(quarters.quarter_end as date) as quarter_end,
        cast(regional.placements_started as {{ dbt.type_bigint() }}) as placements_started,
        cast(regional.job_to_job_moves as {{ dbt.type_bigint() }}) as job_to_job_moves,
        cast(regional.spell_ends as {{ dbt.type_bigint() }}) as spell_ends,
        -- every spell end is a job loss (definition in mart_region_quarter.yml)
        cast(regional.spell_ends as {{ dbt.type_bigint() }}) as job_losses,
        cast(regional.job_losses_provisional as {{ dbt.type_bigint() }}) as job_losses_provisional,
        cast(regional.retention_12m as {{ type_double() }}) as retention_12m,
        cast(regional.retention_12m_cohort as {{ dbt.type_bigint() }}) as retention_12m_cohort,
        cast(national.placements_started as {{ dbt.type_bigint() }}) as nl_placements_started,
        cast(national.spell_ends as {{ dbt.type_bigint() }}) as nl_job_losses,
        cast(national.job_to_job_moves as {{ dbt.type_bigint() }}) as nl_job_to_job_moves,
        cast(national.retention_12m as {{ type_double() }}) as nl_retention_12m,
        cast(regional.retention_6m as {{ type_double() }}) as retention_6m,
        cast(regional.retention_24m as {{ type_double() }}) as retention_24m,
        cast(national.retention_6m as {{ type_double() }}) as nl_retention_6m,
        cast(national.retention_24m as {{ type_double() }}) as nl_retention_24m,
        cast(regional.placements_started - regional.spell_ends as {{ dbt.type_bigint() }})
            as net_change,
        cast(national.placements_started - national.spell_ends as {{ dbt.type_bigint() }})
            as nl_net_change,
        cast(regional.placed_in_work as {{ dbt.type_bigint() }}) as placed_in_work,
        cast(national.placed_in_work as {{ dbt.type_bigint() }}) as nl_placed_in_work,
        -- The stock: register and jobs agreement (null for a quarter without those figures).
        cast(regional_stock.register_total as {{ dbt.type_bigint() }}) as register_total,
        {%- for basis in ['wajong', 'wsw', 'participatiewet', 'pro_vso', 'wiw_id'] %}
        cast(regional_stock.register_{{ basis }} as {{ dbt.type_bigint() }})
            as register_{{ basis }},
        {%- endfor %}
        cast(regional_stock.register_working as {{ dbt.type_bigint() }}) as register_working,
        {{ ratio('regional_stock.register_working', 'regional_stock.register_total') }}
            as employment_rate,
        cast(national_stock.register_total as {{ dbt.type_bigint() }}) as nl_register_total,
        {{ ratio('national_stock.register_working', 'national_stock.register_total') }}
            as nl_employment_rate,
        cast(regional_stock.jobs_market as {{ type_double() }}) as jobs_market,
        cast(regional_stock.jobs_government as {{ type_double() }}) as jobs_government,
        cast(regional_stock.jobs_target as {{ type_double() }}) as jobs_target,
        {{ ratio('regional_stock.jobs_market + regional_stock.jobs_government',
                 'regional_stock.jobs_target') }} as jobs_progress,
        {{ ratio('national_stock.jobs_market + national_stock.jobs_government',
                 'national_stock.jobs_target') }} as nl_jobs_progress
    from regions
    cross join quarters
    inner join flows as regional
        on regions.region_code = regional.region_code
        and quarters.quarter = regional.quarter
    inner join flows as national
        on national.region_code = 'NL'
        and quarters.quarter = national.quarter
    left join stock as regional_stock
        on regions.region_code = regional_stock.region_code
        and quarters.quarter = regional_stock.quarter
    left join stock as national_stock
        on national_stock.region_code = 'NL'
        and quarters.quarter = national_stock.quarter

)

select * from final
