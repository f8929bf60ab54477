-- mart_retention_factors as published: within a region and factor the levels add up to all
-- spells, so a level count below the threshold is withheld ('<10') and, when it is the only
-- one, the smallest other level too ('x', secondary suppression; the first level in byte
-- order among equals). A withheld level keeps no retention or interval ('n<10').

with

mart as (

    select * from {{ ref('mart_retention_factors') }}

),

{%- set t = suppress_below() %}

small_levels as (

    select
        *,
        spells < {{ t }} as is_small,
        sum(case when spells < {{ t }} then 1 else 0 end)
            over (partition by region_code, factor) as small_levels_of_factor
    from mart

),

ranked as (

    select
        *,
        row_number() over (
            partition by region_code, factor, is_small
            order by spells, {{ binary_order('level') }}
        ) as rank_among_shown
    from small_levels

),

levels as (

    select
        *,
        not is_small and small_levels_of_factor = 1 and rank_among_shown = 1 as is_protecting
    from ranked

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
