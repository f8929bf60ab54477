-- Every employer x extract quarter: its placements started in the quarter, running at its
-- end, and ended in it by a job loss or a job-to-job move; and of its rolling year (the
-- placements started in the four quarters up to the quarter, once all four are observed)
-- how many used each instrument. The figures of mart_employer_quarter and, summed per
-- region and per sector type and size class, of mart_employer_benchmarks.
-- Definitions: int_employer_quarters.yml.

with

placements as (

    select * from {{ ref('int_employer_placements') }}

),

employers as (

    select employer_id from {{ ref('int_employers') }}

),

quarters as (

    {{ rolling_year_quarters() }}

),

-- the placements running for at least a day in the quarter
flows as (

    select
        placements.employer_id,
        quarters.quarter,
        sum(case when placements.start_quarter = quarters.quarter then 1 else 0 end)
            as placements_started,
        sum(case
            when placements.end_date is null or placements.end_date > quarters.quarter_end
                then 1
            else 0
        end) as in_work,
        sum(case
            when placements.end_quarter = quarters.quarter and placements.is_job_loss then 1
            else 0
        end) as job_losses,
        sum(case
            when placements.end_quarter = quarters.quarter and placements.is_job_to_job_move
                then 1
            else 0
        end) as job_to_job_moves
    from placements
    inner join quarters
        on placements.start_date <= quarters.quarter_end
        and (placements.end_date is null or placements.end_date >= quarters.quarter_start)
    group by placements.employer_id, quarters.quarter

),

rolling_years as (

    select
        placements.employer_id,
        quarters.quarter,
        {%- for column, _ in employer_instruments() %}
        cast(sum(case when placements.{{ column }} then 1 else 0 end) as {{ dbt.type_bigint() }})
            as {{ column }}_placements,
        {%- endfor %}
        cast(count(*) as {{ dbt.type_bigint() }}) as rolling_year_placements
    from placements
    inner join quarters
        on quarters.quarter_position - {{ quarter_index('placements.start_quarter') }}
        between 0 and 3
    where quarters.has_rolling_year
    group by placements.employer_id, quarters.quarter

),

final as (

    select
        employers.employer_id,
        quarters.quarter,
        flows.employer_id is not null as is_active,
        rolling_years.employer_id is not null as is_active_in_rolling_year,
        -- null where the rolling year is not observed whole
        {%- for column in ['rolling_year'] + employer_instruments() | map('first') | list %}
        case
            when quarters.has_rolling_year
                then coalesce(rolling_years.{{ column }}_placements, 0)
        end as {{ column }}_placements,
        {%- endfor %}
        cast(coalesce(flows.placements_started, 0) as {{ dbt.type_bigint() }})
            as placements_started,
        cast(coalesce(flows.in_work, 0) as {{ dbt.type_bigint() }}) as in_work,
        cast(coalesce(flows.job_losses, 0) as {{ dbt.type_bigint() }}) as job_losses,
        cast(coalesce(flows.job_to_job_moves, 0) as {{ dbt.type_bigint() }}) as job_to_job_moves
    from employers
    cross join quarters
    left join flows
        on employers.employer_id = flows.employer_id
        and quarters.quarter = flows.quarter
    left join rolling_years
        on employers.employer_id = rolling_years.employer_id
        and quarters.quarter = rolling_years.quarter

)

select * from final
