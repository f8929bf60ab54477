-- mart_region_quarter as published (docs/disclosure.md):
-- - counts of people: below the threshold withheld ('<10'), and withheld to protect them ('x')
--   in every additive relation the table publishes: the regions to the country per quarter;
--   the register by legal basis, and those working, to the register; provisional to all job
--   losses; a small region's rolling-year cohort to the placements of its four quarters;
--   the quarters' placements to the region's spells, which pub_retention_factors splits by
--   factor (macros/secondary_suppression.sql);
-- - the regional number of people placed in work, rounded to 10: exact, its change from one
--   quarter to the next (started - lost) would give small job losses away;
-- - retention at 6, 12 and 24 months: the published curve's value at that month
--   (pub_cohort_survival: the region's cohort kind, steps of at least the threshold of job
--   losses, at least the threshold still followed), so both agree; withheld before the first
--   step ('x') or where the curve is withheld;
-- - the employment rate only beside both its counts; the net change with both its counts.

{%- set t = suppress_below() %}
{%- set legal_bases = ['register_wajong', 'register_wsw', 'register_participatiewet',
                       'register_pro_vso', 'register_wiw_id'] %}
{%- set regional_counts = ['placements_started', 'job_to_job_moves', 'job_losses',
                           'job_losses_provisional', 'register_total',
                           'register_working'] + legal_bases %}
{%- set national_counts = {'placements_started': 'nl_placements_started',
                           'job_losses': 'nl_job_losses',
                           'job_to_job_moves': 'nl_job_to_job_moves',
                           'register_total': 'nl_register_total'} %}
{%- set country_measures = national_counts.keys() | list + ['register_working'] %}

with

mart as (

    select
        *,
        {{ quarter_index('quarter') }} as quarter_position,
        cast(round(nl_employment_rate * nl_register_total) as {{ dbt.type_bigint() }})
            as nl_register_working
    from {{ ref('mart_region_quarter') }}

),

curves as (

    select * from {{ ref('pub_cohort_survival') }}

),

cohorts as (

    select * from {{ ref('mart_cohort_survival') }}
    where month = 0

),

region_kinds as (

    select distinct region_code, cohort_kind from curves

),

-- Retention of the cohort each region shows, read off its published curve.
retention as (

    select
        mart.region_code,
        mart.quarter,
        coalesce(region_kinds.cohort_kind, 'quarter') as retention_cohort_kind,
        cohorts.at_risk as retention_cohort,
    {%- for k in [6, 12, 24] %}
    max(case when curves.month = {{ k }} and curves.is_observable then curves.survival end)
        as shown_retention_{{ k }}m
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
    from mart
    left join region_kinds
        on mart.region_code = region_kinds.region_code
    left join cohorts
        on mart.region_code = cohorts.region_code
        and coalesce(region_kinds.cohort_kind, 'quarter') = cohorts.cohort_kind
        and mart.quarter = cohorts.cohort_quarter
    left join curves
        on mart.region_code = curves.region_code
        and coalesce(region_kinds.cohort_kind, 'quarter') = curves.cohort_kind
        and mart.quarter = curves.cohort_quarter
    group by mart.region_code, mart.quarter, region_kinds.cohort_kind, cohorts.at_risk

),

national_retention as (

    select
        cohort_quarter as quarter,
    {%- for k in [6, 12, 24] %}
    max(case when month = {{ k }} and is_observable then survival end)
        as shown_nl_retention_{{ k }}m
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
    from curves
    where region_code = 'NL'
    group by cohort_quarter

),

-- Every count of people the table publishes, or that follows from it, as one cell.
cells as (

    {%- for column in regional_counts %}
    select
        region_code, quarter, quarter_position, '{{ column }}' as measure,
        {{ column }} as cell_value, true as can_hide, false as is_derived
    from mart
    union all
    {%- endfor %}
    {%- for measure, column in national_counts.items() %}
    select distinct
        'NL' as region_code, quarter, quarter_position, '{{ measure }}' as measure,
        {{ column }} as cell_value, true as can_hide, false as is_derived
    from mart
    union all
    {%- endfor %}
    select distinct
        'NL' as region_code, quarter, quarter_position, 'register_working' as measure,
        nl_register_working as cell_value, true as can_hide, false as is_derived
    from mart
    union all
    -- the placements of all quarters: the spells pub_retention_factors splits by factor,
    -- so known to a reader
    select
        region_code, '*' as quarter, null as quarter_position, 'placements_started' as measure,
        cast(sum(cell_value) as {{ dbt.type_bigint() }}) as cell_value, false as can_hide,
        false as is_derived
    from (
        select region_code, placements_started as cell_value from mart
        union all
        select distinct 'NL' as region_code, nl_placements_started from mart
    ) as quarters
    group by region_code
    union all
    -- never published, but each follows from two published counts
    select
        region_code, quarter, quarter_position, 'job_losses_final' as measure,
        job_losses - job_losses_provisional as cell_value, false as can_hide, true as is_derived
    from mart
    union all
    select
        region_code, quarter, quarter_position, 'register_not_working' as measure,
        register_total - register_working as cell_value, false as can_hide, true as is_derived
    from mart
    union all
    select distinct
        'NL' as region_code, quarter, quarter_position,
        'register_not_working' as measure,
        nl_register_total - nl_register_working as cell_value, false as can_hide, true as is_derived
    from mart
    union all
    select
        retention.region_code, retention.quarter, mart.quarter_position,
        'rolling_year_cohort' as measure, retention.retention_cohort as cell_value,
        true as can_hide, false as is_derived
    from retention
    inner join mart
        on retention.region_code = mart.region_code
        and retention.quarter = mart.quarter
    where retention.retention_cohort_kind = 'rolling_year'

),

identified_cells as (

    select
        *,
        {{ dbt.concat(['region_code', "'|'", 'quarter', "'|'", 'measure']) }} as cell_id,
        false as is_withheld
    from cells
    where cell_value is not null

),

memberships as (

    -- the regions add up to the country
    {{ sum_relation('country', 'identified_cells', ['quarter', 'measure'], "region_code = 'NL'",
                    "measure in ('" ~ country_measures | join("', '") ~ "')") }}

    union all

    -- the register by legal basis adds up to the register
    {{ sum_relation('bases', 'identified_cells', ['region_code', 'quarter'],
                    "measure = 'register_total'",
                    "region_code <> 'NL' and measure in ('register_total', '"
                    ~ legal_bases | join("', '") ~ "')") }}

    union all

    -- working and not working add up to the register
    {{ sum_relation('working', 'identified_cells', ['region_code', 'quarter'],
                    "measure = 'register_total'",
                    "measure in ('register_total', 'register_working', 'register_not_working')") }}

    union all

    -- provisional and final job losses add up to all job losses
    {{ sum_relation('losses', 'identified_cells', ['region_code', 'quarter'],
                    "measure = 'job_losses'",
                    "measure in ('job_losses', 'job_losses_provisional', 'job_losses_final')") }}

    union all

    -- the quarters add up to the region's spells (pub_retention_factors)
    {{ sum_relation('year', 'identified_cells', ['region_code'], "quarter = '*'",
                    "measure = 'placements_started'") }}

    union all

    -- a rolling year's cohort is the placements started in its four quarters
    select
        {{ dbt.concat(["'rolling|'", 'rolling.region_code', "'|'", 'rolling.quarter']) }}
            as group_id,
        parts.cell_id,
        parts.measure = 'rolling_year_cohort' as is_total
    from identified_cells as rolling
    inner join identified_cells as parts
        on rolling.region_code = parts.region_code
        and (
            (parts.measure = 'rolling_year_cohort' and rolling.quarter = parts.quarter)
            or (
                parts.measure = 'placements_started'
                and rolling.quarter_position - parts.quarter_position between 0 and 3
            )
        )
    where rolling.measure = 'rolling_year_cohort'

),

pattern as (

    {{ secondary_suppression('identified_cells', 'memberships') }}

),

hidden as (

    {{ hidden_per_row('identified_cells', 'pattern', ['region_code', 'quarter'],
                      regional_counts + ['rolling_year_cohort']) }}

),

combined as (

    select
        mart.*,
        retention.retention_cohort_kind,
        case
            when retention.retention_cohort_kind = 'rolling_year' then retention.retention_cohort
            else mart.placements_started
        end as retention_cohort_size,
        {%- for k in [6, 12, 24] %}
        retention.shown_retention_{{ k }}m,
        national_retention.shown_nl_retention_{{ k }}m,
        {%- endfor %}
        {%- for measure in regional_counts + ['rolling_year_cohort'] %}
        coalesce(hidden.{{ measure }}_hidden, false) as {{ measure }}_hidden,
        {%- endfor %}
        {%- for measure in country_measures %}
        coalesce(national_hidden.{{ measure }}_hidden, false) as nl_{{ measure }}_hidden
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from mart
    inner join retention
        on mart.region_code = retention.region_code
        and mart.quarter = retention.quarter
    left join national_retention
        on mart.quarter = national_retention.quarter
    left join hidden
        on mart.region_code = hidden.region_code
        and mart.quarter = hidden.quarter
    left join hidden as national_hidden
        on national_hidden.region_code = 'NL'
        and mart.quarter = national_hidden.quarter

),

final as (

    select
        region_code,
        region_name,
        quarter,
        quarter_start,
        quarter_end,
        {{ protected_count('placements_started', 'placements_started_hidden') }},
        {{ protected_count('job_to_job_moves', 'job_to_job_moves_hidden') }},
        {{ protected_count('spell_ends', 'job_losses_hidden') }},
        {{ protected_count('job_losses', 'job_losses_hidden') }},
        {{ protected_count('job_losses_provisional', 'job_losses_provisional_hidden') }},
        {{ curve_rate('retention_12m', 'shown_retention_12m', 'retention_cohort_size') }},
        {{ protected_count('retention_12m_cohort', 'case when retention_cohort_kind = '
            ~ "'rolling_year'" ~ ' then rolling_year_cohort_hidden else placements_started_hidden end',
            value='retention_cohort_size') }},
        retention_cohort_kind,
        {{ protected_count('nl_placements_started', 'nl_placements_started_hidden') }},
        {{ protected_count('nl_job_losses', 'nl_job_losses_hidden') }},
        {{ protected_count('nl_job_to_job_moves', 'nl_job_to_job_moves_hidden') }},
        {{ curve_rate('nl_retention_12m', 'shown_nl_retention_12m', 'nl_placements_started') }},
        {{ curve_rate('retention_6m', 'shown_retention_6m', 'retention_cohort_size') }},
        {{ curve_rate('retention_24m', 'shown_retention_24m', 'retention_cohort_size') }},
        {{ curve_rate('nl_retention_6m', 'shown_nl_retention_6m', 'nl_placements_started') }},
        {{ curve_rate('nl_retention_24m', 'shown_nl_retention_24m', 'nl_placements_started') }},
        {#- a difference of two published counts: shown with both of them #}
        case
            when placements_started_hidden or job_losses_hidden then null else net_change
        end as net_change,
        case when placements_started_hidden or job_losses_hidden then 'x' end
            as net_change_suppressed,
        case
            when nl_placements_started_hidden or nl_job_losses_hidden then null
            else nl_net_change
        end as nl_net_change,
        case when nl_placements_started_hidden or nl_job_losses_hidden then 'x' end
            as nl_net_change_suppressed,
        {#- people placed in work now = a quarter before + started - lost: the regional stock
            exact would give a small number of job losses away, so it is rounded to 10 #}
        {{ rounded_count('placed_in_work', 10) }},
        {{ published_count('nl_placed_in_work') }},
        {{ protected_count('register_total', 'register_total_hidden') }},
        {%- for column in legal_bases %}
        {{ protected_count(column, column ~ '_hidden') }},
        {%- endfor %}
        {{ protected_count('register_working', 'register_working_hidden') }},
        {#- a share of the register beside both its counts only #}
        {{ published_rate('employment_rate', 'register_total',
                          hidden_also='register_working_hidden or register_total_hidden'
                          ~ ' or register_total - register_working < ' ~ t) }},
        {{ protected_count('nl_register_total', 'nl_register_total_hidden') }},
        {{ published_rate('nl_employment_rate', 'nl_register_total',
                          hidden_also='nl_register_working_hidden or nl_register_total_hidden'
                          ~ ' or nl_register_total - nl_register_working < ' ~ t) }},
        {#- jobs in units of 25.5 hours, as the agencies publish them: not counts of people #}
        jobs_market,
        jobs_government,
        jobs_target,
        jobs_progress,
        nl_jobs_progress
    from combined

)

select * from final
