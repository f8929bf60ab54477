-- mart_followup as published (docs/disclosure.md):
-- - the placements followed, still employed and followed to the next wave: below the
--   threshold withheld ('<10'), and withheld to protect them ('x') where they add up: the
--   regions to the country, the still employed and the others to those followed, those
--   followed to the next wave and the others to the still employed;
-- - a share of the placements followed (and retention to the next wave) is a count of
--   placements in disguise: it is shown only where that count and the rest are both at
--   least the threshold and the count is not needed to protect another (the same relations),
--   and beside its denominator ('n<10' over fewer, else 'x').

{%- set t = suppress_below() %}
{%- set shares = [] %}
{%- for option in followup_support_options() %}
{%- do shares.append('support_' ~ option ~ '_share') %}
{%- endfor %}
{%- for option in followup_disruption_options() %}
{%- do shares.append('disruption_' ~ option ~ '_share') %}
{%- endfor %}
{%- set counts = ['placements_followed', 'still_employed', 'followed_to_next_wave'] %}
{%- set wave = 'cast(wave_number as ' ~ dbt.type_string() ~ ')' %}

with

mart as (

    select * from {{ ref('mart_followup') }}

),

cells as (

    {%- for column in counts %}
    select
        region_code, wave_number, labour_expert_role, '{{ column }}' as measure,
        {{ column }} as cell_value, true as can_hide, false as is_derived
    from mart
    union all
    {%- endfor %}
    {%- for share in shares %}
    select
        region_code, wave_number, labour_expert_role, '{{ share }}' as measure,
        cast(round({{ share }} * placements_followed) as {{ dbt.type_bigint() }}) as cell_value,
        true as can_hide, false as is_derived
    from mart
    union all
    select
        region_code, wave_number, labour_expert_role, '{{ share }}_rest' as measure,
        placements_followed
        - cast(round({{ share }} * placements_followed) as {{ dbt.type_bigint() }})
            as cell_value,
        false as can_hide, true as is_derived
    from mart
    union all
    {%- endfor %}
    select
        region_code, wave_number, labour_expert_role, 'retention_to_next_wave' as measure,
        cast(round(retention_to_next_wave * followed_to_next_wave) as {{ dbt.type_bigint() }})
            as cell_value,
        true as can_hide, false as is_derived
    from mart
    union all
    select
        region_code, wave_number, labour_expert_role, 'retention_to_next_wave_rest' as measure,
        followed_to_next_wave
        - cast(round(retention_to_next_wave * followed_to_next_wave) as {{ dbt.type_bigint() }})
            as cell_value,
        false as can_hide, true as is_derived
    from mart
    union all
    select
        region_code, wave_number, labour_expert_role, 'not_still_employed' as measure,
        placements_followed - still_employed as cell_value, false as can_hide, true as is_derived
    from mart
    union all
    select
        region_code, wave_number, labour_expert_role, 'still_employed_not_followed' as measure,
        still_employed - followed_to_next_wave as cell_value, false as can_hide,
        true as is_derived
    from mart

),

identified_cells as (

    select
        *,
        {{ dbt.concat(['region_code', "'|'", wave, "'|'", 'labour_expert_role']) }} as row_id,
        {{ dbt.concat(['region_code', "'|'", wave, "'|'", 'labour_expert_role', "'|'",
                       'measure']) }} as cell_id,
        false as is_withheld
    from (
        select * from cells
        union all
        {{ no_region_remainders('cells', ['wave_number', 'labour_expert_role']) }}
    ) as counted_cells
    where cell_value is not null

),

-- Each relation: its name, its total and its parts (macros/secondary_suppression.sql).
{%- set row_relations = [
    ('still', 'placements_followed', ['still_employed', 'not_still_employed']),
    ('next', 'still_employed', ['followed_to_next_wave', 'still_employed_not_followed']),
    ('kept', 'followed_to_next_wave', ['retention_to_next_wave', 'retention_to_next_wave_rest']),
] %}
{%- for share in shares %}
{%- do row_relations.append((share, 'placements_followed', [share, share ~ '_rest'])) %}
{%- endfor %}

memberships as (

    -- the regions (and the people of no region) add up to the country
    {{ sum_relation('country', 'identified_cells', [wave, 'labour_expert_role', 'measure'],
                    "region_code = 'NL'", "not is_derived or region_code = '-'") }}
    {%- for name, total, parts in row_relations %}

    union all

    {{ sum_relation(name, 'identified_cells', ['row_id'], "measure = '" ~ total ~ "'",
                    "measure in ('" ~ ([total] + parts) | join("', '") ~ "')") }}
    {%- endfor %}

),

pattern as (

    {{ secondary_suppression('identified_cells', 'memberships') }}

),

hidden as (

    {{ hidden_per_row('identified_cells', 'pattern',
                      ['region_code', 'wave_number', 'labour_expert_role'],
                      counts + shares + ['retention_to_next_wave']) }}

),

combined as (

    select
        mart.*,
        {%- for measure in counts + shares + ['retention_to_next_wave'] %}
        coalesce(hidden.{{ measure }}_hidden, false) as {{ measure }}_hidden
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from mart
    left join hidden
        on mart.region_code = hidden.region_code
        and mart.wave_number = hidden.wave_number
        and mart.labour_expert_role = hidden.labour_expert_role

),

final as (

    select
        region_code,
        wave_number,
        labour_expert_role,
        {{ protected_count('placements_followed', 'placements_followed_hidden') }},
        {{ protected_count('still_employed', 'still_employed_hidden') }},
        {%- for share in shares %}
        {{ published_rate(share, 'placements_followed',
                          hidden_also=share ~ '_hidden or placements_followed_hidden') }},
        {%- endfor %}
        {{ protected_count('followed_to_next_wave', 'followed_to_next_wave_hidden') }},
        {{ published_rate('retention_to_next_wave', 'followed_to_next_wave',
                          hidden_also='retention_to_next_wave_hidden'
                          ~ ' or followed_to_next_wave_hidden') }}
    from combined

)

select * from final
