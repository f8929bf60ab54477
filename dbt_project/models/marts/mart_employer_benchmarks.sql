-- The employer figures of mart_employer_quarter for each region and for each sector type x
-- size class (the benchmarks an employer's report compares it with), over every employer
-- of the placements, participating or not, with the number of employers they are over.
-- Definitions: mart_employer_benchmarks.yml.

{%- set summed = ['placements_started', 'in_work', 'job_losses', 'job_to_job_moves',
                  'rolling_year_placements'] %}

with

employers as (

    select * from {{ ref('int_employers') }}

),

-- each employer in its region's benchmark and in its sector type and size class's
scoped_employers as (

    select
        employer_id,
        'region' as benchmark,
        region_code as scope,
        region_code,
        'alle' as sector_kind,
        'alle' as size_class
    from employers
    where region_code is not null

    union all

    select
        employer_id,
        'sector_size' as benchmark,
        {{ dbt.concat(['sector_kind', "' '", 'size_class']) }} as scope,
        'NL' as region_code,
        sector_kind,
        size_class
    from employers

),

quarters as (

    {{ rolling_year_quarters() }}

),

sums as (

    select
        scoped_employers.benchmark,
        scoped_employers.scope,
        scoped_employers.region_code,
        scoped_employers.sector_kind,
        scoped_employers.size_class,
        figures.quarter,
        sum(case when figures.is_active then 1 else 0 end) as employers,
        sum(case when figures.is_active_in_rolling_year then 1 else 0 end)
            as rolling_year_employers,
        {%- for column in summed %}
        sum(figures.{{ column }}) as {{ column }},
        {%- endfor %}
        {%- for column, _ in employer_instruments() %}
        sum(figures.{{ column }}_placements) as {{ column }}_placements
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from scoped_employers
    inner join {{ ref('int_employer_quarters') }} as figures
        on scoped_employers.employer_id = figures.employer_id
    group by
        scoped_employers.benchmark,
        scoped_employers.scope,
        scoped_employers.region_code,
        scoped_employers.sector_kind,
        scoped_employers.size_class,
        figures.quarter

),

placements as (

    select
        scoped_employers.benchmark,
        scoped_employers.scope,
        employer_placements.start_quarter,
        employer_placements.duration_months,
        employer_placements.is_event
    from {{ ref('int_employer_placements') }} as employer_placements
    inner join scoped_employers
        on employer_placements.employer_id = scoped_employers.employer_id

),

retention as (

    {{ rolling_year_retention('placements', ['benchmark', 'scope']) }}

),

final as (

    select
        cast(sums.benchmark as {{ dbt.type_string() }}) as benchmark,
        cast(sums.scope as {{ dbt.type_string() }}) as scope,
        cast(sums.region_code as {{ dbt.type_string() }}) as region_code,
        cast(sums.sector_kind as {{ dbt.type_string() }}) as sector_kind,
        cast(sums.size_class as {{ dbt.type_string() }}) as size_class,
        cast(quarters.quarter as {{ dbt.type_string() }}) as quarter,
        cast(quarters.quarter_start as date) as quarter_start,
        cast(quarters.quarter_end as date) as quarter_end,
        cast(sums.employers as {{ dbt.type_bigint() }}) as employers,
        case
            when quarters.has_rolling_year
                then cast(sums.rolling_year_employers as {{ dbt.type_bigint() }})
        end as rolling_year_employers,
        {%- for column in summed %}
        cast(sums.{{ column }} as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        {%- for column, _ in employer_instruments() %}
        cast(sums.{{ column }}_placements as {{ dbt.type_bigint() }}) as {{ column }}_placements,
        {{ ratio('sums.' ~ column ~ '_placements', 'sums.rolling_year_placements') }}
            as {{ column }}_share,
        {%- endfor %}
        {%- for k in [6, 12] %}
        cast(retention.retention_{{ k }}m as {{ type_double() }}) as retention_{{ k }}m,
        retention.retention_{{ k }}m_losses,
        retention.retention_{{ k }}m_followed
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from sums
    inner join quarters
        on sums.quarter = quarters.quarter
    left join retention
        on sums.benchmark = retention.benchmark
        and sums.scope = retention.scope
        and sums.quarter = retention.cohort_quarter

)

select * from final
