-- Kaplan-Meier retention curves: per region (and 'NL' for the country) x cohort (the spells
-- started in a quarter, or in the rolling year of four quarters up to it) x
-- whole month since the spell start, with a 95% log-log confidence interval from Greenwood's
-- variance. Only months at which spells of the cohort are still followed (at_risk > 0).
-- Survival, its variance and their definitions come from int_spell_survival.

with

survival as (

    select * from {{ ref('int_spell_survival') }}
    where at_risk > 0

),

final as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(cohort_kind as {{ dbt.type_string() }}) as cohort_kind,
        cast(cohort_quarter as {{ dbt.type_string() }}) as cohort_quarter,
        cast(month as {{ dbt.type_int() }}) as month,
        cast(at_risk as {{ dbt.type_bigint() }}) as at_risk,
        cast(events as {{ dbt.type_bigint() }}) as events,
        cast(censored as {{ dbt.type_bigint() }}) as censored,
        survival,
        {{ round_double(loglog_bound('survival', 'greenwood_sum', 'lower')) }} as ci_lower,
        {{ round_double(loglog_bound('survival', 'greenwood_sum', 'upper')) }} as ci_upper,
        is_observable
    from survival

)

select * from final
