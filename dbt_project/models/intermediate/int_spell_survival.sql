-- Kaplan-Meier survival of in-work spells per region and for the whole country (region_code
-- 'NL') x cohort x whole month 0..survival_max_month. A cohort is the spells started in a
-- quarter (cohort_kind 'quarter'), or in the four quarters up to it ('rolling_year', once
-- all four are observed). Definitions: int_spell_survival.yml.

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

-- Each spell in the cohort of its quarter and in the rolling years of that quarter and the
-- three after it, as far as those lie in the observation.
cohort_quarters as (

    select
        quarter as cohort_quarter,
        {{ quarter_index('quarter') }} as quarter_position,
        {{ quarter_index('quarter') }} - min({{ quarter_index('quarter') }}) over () >= 3
            as has_rolling_year
    from {{ ref('int_extract_quarters') }}

),

cohort_memberships as (

    select
        'quarter' as cohort_kind,
        cohort_spells.cohort_quarter,
        cohort_spells.region_code,
        cohort_spells.duration_months,
        cohort_spells.is_event
    from cohort_spells

    union all

    select
        'rolling_year' as cohort_kind,
        cohort_quarters.cohort_quarter,
        cohort_spells.region_code,
        cohort_spells.duration_months,
        cohort_spells.is_event
    from cohort_spells
    inner join cohort_quarters
        on cohort_quarters.quarter_position
        - {{ quarter_index('cohort_spells.cohort_quarter') }} between 0 and 3
    where cohort_quarters.has_rolling_year

),

grouped_spells as (

    select region_code, cohort_kind, cohort_quarter, duration_months, is_event
    from cohort_memberships
    where region_code is not null

    union all

    select 'NL' as region_code, cohort_kind, cohort_quarter, duration_months, is_event
    from cohort_memberships

),

survival as (

    {{ kaplan_meier('grouped_spells', ['region_code', 'cohort_kind', 'cohort_quarter'],
                    max_month) }}

),

final as (

    select
        survival.region_code,
        cast(survival.cohort_kind as {{ dbt.type_string() }}) as cohort_kind,
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
