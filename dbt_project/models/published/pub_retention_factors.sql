-- mart_retention_factors as published (docs/disclosure.md):
-- - spells and spells followed 12 months: below the threshold withheld ('<10'), and withheld
--   to protect them ('x') where they add up: the levels of a factor to the region's spells
--   (the same for every factor, so known from any factor shown whole), the regions to the
--   country, those followed and the others to the level's spells
--   (macros/secondary_suppression.sql);
-- - retention at 12 months and its interval: only beside its counts, and only where at least
--   the threshold were lost in the 12 months and at least the threshold were followed the
--   whole 12 months ('x' otherwise, 'n<10' over fewer spells).

{%- set t = suppress_below() %}
{%- set measures = ['spells', 'spells_followed_12m'] %}

with

mart as (

    select * from {{ ref('mart_retention_factors') }}

),

hidden as (

    {{ factor_table_hidden('mart', measures, 'spells - spells_followed_12m') }}

),

combined as (

    select
        mart.*,
        hidden.spells_hidden,
        hidden.spells_followed_12m_hidden,
        {#- a retention only beside its counts, with enough lost and enough kept #}
        hidden.spells_hidden or hidden.spells_followed_12m_hidden
        or mart.job_losses_12m < {{ t }} or mart.spells_followed_12m < {{ t }}
            as retention_hidden
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
        {{ protected_count('spells', 'spells_hidden') }},
        {{ protected_count('spells_followed_12m', 'spells_followed_12m_hidden') }},
        {{ published_rate('retention_12m', 'spells', hidden_also='retention_hidden') }},
        {{ published_rate('retention_12m_ci_lower', 'spells', hidden_also='retention_hidden') }},
        {{ published_rate('retention_12m_ci_upper', 'spells', hidden_also='retention_hidden') }}
    from combined

)

select * from final
