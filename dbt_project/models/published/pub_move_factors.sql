-- mart_move_factors as published (docs/disclosure.md):
-- - ends, moves and the job losses by how soon the next job came: below the threshold
--   withheld ('<10'), and withheld to protect them ('x') where they add up: the levels of a
--   factor to the region's total (the same for every factor), the regions to the country,
--   and on each row the moves, the three return bands and the rest (losses not yet followed
--   12 months, never published) to the ends (macros/secondary_suppression.sql);
-- - the share of moves and its interval: only beside its counts, and only where at least
--   the threshold moved and at least the threshold did not ('x' otherwise, 'n<10' over
--   fewer ends).

{%- set t = suppress_below() %}
{%- set measures = ['ends', 'moves', 'back_3_6m', 'back_6_12m', 'not_back_12m'] %}
{#- the losses not yet followed 12 months #}
{%- set not_followed = 'ends - moves - back_3_6m - back_6_12m - not_back_12m' %}

with

mart as (

    select * from {{ ref('mart_move_factors') }}

),

hidden as (

    {{ factor_table_hidden('mart', measures, not_followed) }}

),

combined as (

    select
        mart.*,
        {%- for measure in measures %}
        hidden.{{ measure }}_hidden,
        {%- endfor %}
        {#- a share only beside its counts, with enough moves and enough losses #}
        hidden.ends_hidden or hidden.moves_hidden
        or mart.moves < {{ t }} or mart.ends - mart.moves < {{ t }} as share_hidden
    from mart
    inner join hidden
        on mart.region_code = hidden.region_code
        and mart.factor = hidden.factor
        and mart.level = hidden.level

),

final as (

    select
        region_code,
        factor,
        level,
        {{ protected_count('ends', 'ends_hidden') }},
        {{ protected_count('moves', 'moves_hidden') }},
        {{ published_rate('move_share', 'ends', hidden_also='share_hidden') }},
        {{ published_rate('move_share_ci_lower', 'ends', hidden_also='share_hidden') }},
        {{ published_rate('move_share_ci_upper', 'ends', hidden_also='share_hidden') }},
        {{ protected_count('back_3_6m', 'back_3_6m_hidden') }},
        {{ protected_count('back_6_12m', 'back_6_12m_hidden') }},
        {{ protected_count('not_back_12m', 'not_back_12m_hidden') }}
    from combined

)

select * from final
