-- Kaplan-Meier survival of in-work spells per region and for the whole country (region_code
-- 'NL') x cohort quarter (quarter of the spell start) x whole month 0..survival_max_month.
-- Definitions: _intermediate__models.yml.

{%- set max_month = var('survival_max_month') | int %}

with

spells as (

    select * from {{ ref('int_spells') }}

),

observation as (

    select observation_start, observation_end from {{ ref('int_observation_window') }}

),

-- Spells that started before the first extract quarter are left out: of those, only the
-- ones still running when the extracts begin are visible (left truncation).
cohort_spells as (

    select
        spells.region_code,
        spells.start_quarter as cohort_quarter,
        spells.duration_months,
        spells.is_event
    from spells
    cross join observation
    where spells.spell_start_date >= observation.observation_start

),

grouped_spells as (

    select region_code, cohort_quarter, duration_months, is_event
    from cohort_spells
    where region_code is not null

    union all

    select 'NL' as region_code, cohort_quarter, duration_months, is_event
    from cohort_spells

),

cohorts as (

    select
        region_code,
        cohort_quarter,
        count(*) as cohort_size
    from grouped_spells
    group by region_code, cohort_quarter

),

endings_by_duration as (

    select
        region_code,
        cohort_quarter,
        duration_months,
        sum(case when is_event then 1 else 0 end) as events,
        sum(case when is_event then 0 else 1 end) as censored
    from grouped_spells
    group by region_code, cohort_quarter, duration_months

),

months as (

    select cast(generated_number - 1 as {{ dbt.type_int() }}) as month
    from ({{ dbt.generate_series(max_month + 1) }}) as series

),

-- n_t = spells with duration >= t = cohort size minus the spells that ended or were
-- censored before t (durations are whole months >= 0, so all of those are months < t).
risk_table as (

    select
        cohorts.region_code,
        cohorts.cohort_quarter,
        months.month,
        cohorts.cohort_size,
        coalesce(endings_by_duration.events, 0) as events,
        coalesce(endings_by_duration.censored, 0) as censored
    from cohorts
    cross join months
    left join endings_by_duration
        on cohorts.region_code = endings_by_duration.region_code
        and cohorts.cohort_quarter = endings_by_duration.cohort_quarter
        and months.month = endings_by_duration.duration_months

),

at_risk as (

    select
        *,
        cohort_size - coalesce(sum(events + censored) over earlier_months, 0) as at_risk
    from risk_table
    window earlier_months as (
        partition by region_code, cohort_quarter
        order by month
        rows between unbounded preceding and 1 preceding
    )

),

-- The factor (1 - d_t / n_t) of month t; 1 when nobody is at risk.
factors as (

    select
        *,
        case
            when at_risk > 0 then 1 - cast(events as {{ type_double() }}) / at_risk
            else 1
        end as survival_factor
    from at_risk

),

-- S(k) = product over t < k of the factors: a sum of logarithms, or 0 as soon as one of
-- the factors is 0 (every spell at risk ended).
survival as (

    select
        *,
        case
            when coalesce(sum(case when survival_factor = 0 then 1 else 0 end) over earlier_months, 0) > 0
                then 0
            else exp(coalesce(
                sum(ln(case when survival_factor > 0 then survival_factor end)) over earlier_months,
                0
            ))
        end as survival_raw
    from factors
    window earlier_months as (
        partition by region_code, cohort_quarter
        order by month
        rows between unbounded preceding and 1 preceding
    )

),

final as (

    select
        survival.region_code,
        survival.cohort_quarter,
        survival.month,
        cast(survival.cohort_size as {{ dbt.type_bigint() }}) as cohort_size,
        cast(survival.at_risk as {{ dbt.type_bigint() }}) as at_risk,
        cast(survival.events as {{ dbt.type_bigint() }}) as events,
        cast(survival.censored as {{ dbt.type_bigint() }}) as censored,
        {{ round_double('survival.survival_raw') }} as survival,
        observation.observation_end
            >= {{ add_months(quarter_end_date('survival.cohort_quarter'), 'survival.month') }}
            as is_observable
    from survival
    cross join observation

)

select * from final
