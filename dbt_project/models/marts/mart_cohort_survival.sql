-- Kaplan-Meier retention curves: per region (and 'NL' for the country) x cohort quarter x
-- whole month since the spell start, with Greenwood's variance and a 95% log-log confidence
-- interval. Only months at which spells of the cohort are still followed (at_risk > 0).
-- The survival itself and its definitions come from int_spell_survival.

with

survival as (

    select * from {{ ref('int_spell_survival') }}
    where at_risk > 0

),

-- Greenwood's term of month t: d_t / (n_t (n_t - d_t)); undefined when everyone at risk
-- ended (then S = 0 from the next month on, and the interval is [0, 0]).
terms as (

    select
        *,
        case
            when events > 0 and at_risk > events
                then cast(events as {{ type_double() }}) / (at_risk * (at_risk - events))
            else 0
        end as greenwood_term
    from survival

),

-- S(k) multiplies the factors of the months before k, so its variance sums their terms.
cumulated as (

    select
        *,
        coalesce(sum(greenwood_term) over (
            partition by region_code, cohort_quarter
            order by month
            rows between unbounded preceding and 1 preceding
        ), 0) as greenwood_sum
    from terms

),

-- The log-log interval: log(-log S) +/- 1.96 se, se = sqrt(sum) / |log S|; it stays
-- within [0, 1]. At S = 1 (no event yet) and S = 0 the interval is the point itself.
intervals as (

    select
        *,
        case
            when survival > 0 and survival < 1
                then sqrt(greenwood_sum) / abs(ln(survival))
        end as loglog_se
    from cumulated

),

final as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(cohort_quarter as {{ dbt.type_string() }}) as cohort_quarter,
        cast(month as {{ dbt.type_int() }}) as month,
        cast(at_risk as {{ dbt.type_bigint() }}) as at_risk,
        cast(events as {{ dbt.type_bigint() }}) as events,
        cast(censored as {{ dbt.type_bigint() }}) as censored,
        survival,
        {{ round_double(
            "case when loglog_se is null then survival
             else power(survival, exp(1.959963984540054 * loglog_se)) end"
        ) }} as ci_lower,
        {{ round_double(
            "case when loglog_se is null then survival
             else power(survival, exp(-1.959963984540054 * loglog_se)) end"
        ) }} as ci_upper,
        is_observable
    from intervals

)

select * from final
