-- mart_retention_factors as published: within a region and factor the levels add up to all
-- spells, so a level count below the threshold is withheld ('<10') and, when it is the only
-- one, the smallest other level too ('x', secondary suppression; the first level in byte
-- order among equals). A withheld level keeps no retention or interval ('n<10').

with

mart as (

    select * from {{ ref('mart_retention_factors') }}

),

levels as (

    {{ protecting_rows('mart', ['region_code', 'factor'], 'spells', 'level') }}

),

final as (

    select
        region_code,
        factor,
        level,
        {{ published_count('spells', hidden_also='is_protecting') }},
        {{ published_count('spells_followed_12m', hidden_also='is_protecting') }},
        {{ published_rate('retention_12m', 'spells', hidden_also='is_protecting') }},
        {{ published_rate('retention_12m_ci_lower', 'spells', hidden_also='is_protecting') }},
        {{ published_rate('retention_12m_ci_upper', 'spells', hidden_also='is_protecting') }}
    from levels

)

select * from final
