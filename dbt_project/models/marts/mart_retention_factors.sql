-- Retention at 12 months by factor and level, per region and for the country ('NL'):
-- the Kaplan-Meier survival at 12 whole months of all spells that started within the
-- observation window and have that level (censored at the observation end, so recent spells
-- count for the months they were followed), with its 95% log-log interval.

with

spell_factors as (

    select * from {{ ref('int_spell_factors') }}

),

grouped_spells as (

    select region_code, factor, level, duration_months, is_event
    from spell_factors
    where region_code is not null

    union all

    select 'NL' as region_code, factor, level, duration_months, is_event
    from spell_factors

),

survival as (

    {{ kaplan_meier('grouped_spells', ['region_code', 'factor', 'level'], 12) }}

),

at_twelve_months as (

    select
        *,
        {{ round_double('survival_raw') }} as retention,
        sum(events) over (
            partition by region_code, factor, level order by month
            rows between unbounded preceding and 1 preceding
        ) as job_losses_12m
    from survival

),

final as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(factor as {{ dbt.type_string() }}) as factor,
        cast(level as {{ dbt.type_string() }}) as level,
        cast(group_size as {{ dbt.type_bigint() }}) as spells,
        cast(at_risk as {{ dbt.type_bigint() }}) as spells_followed_12m,
        cast(coalesce(job_losses_12m, 0) as {{ dbt.type_bigint() }}) as job_losses_12m,
        case when at_risk > 0 then retention end as retention_12m,
        case
            when at_risk > 0
                then {{ round_double(loglog_bound('retention', 'greenwood_sum', 'lower')) }}
        end as retention_12m_ci_lower,
        case
            when at_risk > 0
                then {{ round_double(loglog_bound('retention', 'greenwood_sum', 'upper')) }}
        end as retention_12m_ci_upper
    from at_twelve_months
    where month = 12

)

select * from final
