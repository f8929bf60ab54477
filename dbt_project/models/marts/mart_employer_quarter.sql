-- One row per participating employer x extract quarter of its participation: the flows of
-- its own placements (int_employer_quarters), the retention at 6 and 12 months of its
-- rolling year's placements and the instruments they used, with the region it takes part in
-- and its sector type and size class (int_employers). Definitions: mart_employer_quarter.yml.

with

employers as (

    select * from {{ ref('int_employers') }}
    where is_participating

),

quarters as (

    {{ rolling_year_quarters() }}

),

figures as (

    select * from {{ ref('int_employer_quarters') }}

),

placements as (

    select employer_placements.*
    from {{ ref('int_employer_placements') }} as employer_placements
    inner join employers
        on employer_placements.employer_id = employers.employer_id

),

retention as (

    {{ rolling_year_retention('placements', ['employer_id']) }}

),

final as (

    select
        cast(employers.employer_id as {{ dbt.type_string() }}) as employer_id,
        cast(employers.region_code as {{ dbt.type_string() }}) as region_code,
        cast(employers.sector_kind as {{ dbt.type_string() }}) as sector_kind,
        cast(employers.size_class as {{ dbt.type_string() }}) as size_class,
        cast(quarters.quarter as {{ dbt.type_string() }}) as quarter,
        cast(quarters.quarter_start as date) as quarter_start,
        cast(quarters.quarter_end as date) as quarter_end,
        figures.placements_started,
        figures.in_work,
        figures.job_losses,
        figures.job_to_job_moves,
        figures.rolling_year_placements,
        {%- for column, _ in employer_instruments() %}
        figures.{{ column }}_placements,
        {{ ratio('figures.' ~ column ~ '_placements', 'figures.rolling_year_placements') }}
            as {{ column }}_share,
        {%- endfor %}
        {%- for k in [6, 12] %}
        cast(retention.retention_{{ k }}m as {{ type_double() }}) as retention_{{ k }}m,
        retention.retention_{{ k }}m_losses,
        retention.retention_{{ k }}m_followed
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from employers
    inner join quarters
        on quarters.quarter_position >= {{ quarter_index('employers.since_quarter') }}
        and (
            employers.until_quarter is null
            or quarters.quarter_position <= {{ quarter_index('employers.until_quarter') }}
        )
    inner join figures
        on employers.employer_id = figures.employer_id
        and quarters.quarter = figures.quarter
    left join retention
        on employers.employer_id = retention.employer_id
        and quarters.quarter = retention.cohort_quarter

)

select * from final
