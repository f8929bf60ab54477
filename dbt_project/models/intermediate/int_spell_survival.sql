-- Kaplan-Meier survival of in-work spells per region and for the whole country (region_code
-- 'NL') x cohort quarter (quarter of the spell start) x whole month 0..survival_max_month.
-- Definitions: int_spell_survival.yml.

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

survival as (

    {{ kaplan_meier('grouped_spells', ['region_code', 'cohort_quarter'], max_month) }}

),

final as (

    select
        survival.region_code,
        survival.cohort_quarter,
        survival.month,
        cast(survival.group_size as {{ dbt.type_bigint() }}) as cohort_size,
        cast(survival.at_risk as {{ dbt.type_bigint() }}) as at_risk,
        cast(survival.events as {{ dbt.type_bigint() }}) as events,
        cast(survival.censored as {{ dbt.type_bigint() }}) as censored,
        {{ round_double('survival.survival_raw') }} as survival,
        survival.greenwood_sum,
        (
            observation.observation_end
            >= {{ add_months(quarter_end_date('survival.cohort_quarter'), 'survival.month') }}
        ) as is_observable
    from survival
    cross join observation

)

select * from final
