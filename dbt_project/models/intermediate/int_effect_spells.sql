-- The spells of int_spell_factors once each, with every factor's level side by side, the
-- days they were followed and the year they started: what the survival regression of
-- mart_retention_effects reads (plugins/duurzaam/effects). Person-level: it stays in the
-- warehouse; only the model's estimates come back.

{%- set factors = [
    'loonkostensubsidie', 'jobcoach', 'no_riskpolis', 'werkplekaanpassing',
    'proefplaatsing', 'arbeidsdeskundige', 'contractvorm', 'sector_type',
    'werkgever_grootte', 'grondslag', 'uren_band',
] %}

with

spell_factors as (

    select * from {{ ref('int_spell_factors') }}

),

spells as (

    select * from {{ ref('int_spells') }}

),

levels as (

    select
        spell_id,
        {% for factor in factors %}
        max(case when factor = '{{ factor }}' then level end) as {{ factor }},
        {% endfor %}
        count(*) as factor_count
    from spell_factors
    group by spell_id

),

final as (

    select
        levels.*,
        spells.region_code,
        cast(extract(year from spells.spell_start_date) as {{ dbt.type_int() }}) as start_year,
        cast(
            {{ dbt.datediff('spells.spell_start_date', 'spells.follow_up_end_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as duration_days,
        spells.is_event
    from levels
    inner join spells
        on levels.spell_id = spells.spell_id

)

select * from final
