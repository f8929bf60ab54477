-- Each spell (started within the observation window, as in int_spell_survival) once per
-- factor, with the level of that factor taken from the spell's first placement: the
-- instruments (ja/nee), contract type, sector type, employer size, legal basis,
-- labour-expert involvement and hours band (macros/factor_levels.sql). The long shape lets
-- one Kaplan-Meier serve every factor.

with

spells as (

    select * from {{ ref('int_spells') }}

),

observation as (

    select observation_start from {{ ref('int_observation_window') }}

),

placements as (

    select * from {{ ref('int_placements') }}

),

first_placements as (

    select
        spells.spell_id,
        spells.region_code,
        spells.duration_months,
        spells.is_event,
        placements.*
    from spells
    cross join observation
    inner join placements
        on spells.first_placement_id = placements.placement_id
    where spells.spell_start_date >= observation.observation_start

),

factor_levels as (

    {% for factor, level in factor_levels() %}
    select
        spell_id, region_code, duration_months, is_event,
        '{{ factor }}' as factor,
        {{ level }} as level
    from first_placements
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        spell_id,
        region_code,
        cast(factor as {{ dbt.type_string() }}) as factor,
        cast(level as {{ dbt.type_string() }}) as level,
        duration_months,
        is_event
    from factor_levels

)

select * from final
