-- mart_employer_survey as published (docs/disclosure.md); the units are employers, and the
-- same threshold holds:
-- - respondents and the respondents of both perspectives together (wave_respondents):
--   below the threshold withheld ('<10'), and withheld to protect them ('x') where they add
--   up: the perspectives to the wave, the regions to the country;
-- - the number of scores of each Spinnenweb element rounded to 5 (withheld below the
--   threshold): exact, the respondents minus it would give the few who did not score it;
-- - a share is a count of employers in disguise (the share employing the target group of
--   the respondents; a reason or contract type of those employing it; a reason not to of the
--   others): it is shown only where that count and the rest of the employers asked are both
--   at least the threshold, the count is not needed to protect another (the same relations)
--   and the employers asked are known ('n<10' over fewer, else 'x');
-- - the shares of all answers to a question only where every option's share of the
--   respondents is shown (one of them and its count give the number of answers, and with it
--   every other option's count);
-- - a Spinnenweb mean only over at least the threshold of scores, to one decimal: exact, the
--   one number of scores within the rounding that makes mean x number whole would be known.

{%- set t = suppress_below() %}
{%- set options = employer_survey_options() %}
{%- set option_columns = [] %}
{%- for prefix, keys in options.items() %}{% for key in keys %}
{%- do option_columns.append((prefix, prefix ~ '_' ~ key)) %}
{%- endfor %}{% endfor %}

with

mart as (

    select
        *,
        cast(round(respondents * employing_share) as {{ dbt.type_bigint() }}) as employing,
        respondents - cast(round(respondents * employing_share) as {{ dbt.type_bigint() }})
            as not_employing
    from {{ ref('mart_employer_survey') }}

),

option_counts as (

    select
        *,
    {%- for prefix, column in option_columns %}
    {%- set asked = 'not_employing' if prefix == 'geen_reden' else 'employing' %}
    cast(round({{ column }}_of_respondents * {{ asked }}) as {{ dbt.type_bigint() }})
        as {{ column }}
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
    from mart

),

cells as (

    {%- for column in ['respondents', 'employing'] %}
    select
        region_code, wave, perspective, '{{ column }}' as measure, {{ column }} as cell_value,
        true as can_hide, false as is_derived
    from option_counts
    union all
    {%- endfor %}
    select
        region_code, wave, '*' as perspective, 'respondents' as measure,
        cast(sum(respondents) as {{ dbt.type_bigint() }}) as cell_value, true as can_hide,
        false as is_derived
    from option_counts
    group by region_code, wave
    union all
    select
        region_code, wave, perspective, 'not_employing' as measure,
        not_employing as cell_value, false as can_hide, true as is_derived
    from option_counts
    {%- for prefix, column in option_columns %}
    {%- set asked = 'not_employing' if prefix == 'geen_reden' else 'employing' %}
    union all
    select
        region_code, wave, perspective, '{{ column }}' as measure, {{ column }} as cell_value,
        true as can_hide, false as is_derived
    from option_counts
    union all
    select
        region_code, wave, perspective, '{{ column }}_rest' as measure,
        {{ asked }} - {{ column }} as cell_value, false as can_hide, true as is_derived
    from option_counts
    {%- endfor %}

),

identified_cells as (

    select
        *,
        {{ dbt.concat(['region_code', "'|'", 'wave', "'|'", 'perspective']) }} as row_id,
        {{ dbt.concat(['region_code', "'|'", 'wave', "'|'", 'perspective', "'|'", 'measure']) }}
            as cell_id,
        false as is_withheld
    from (
        select * from cells
        union all
        {{ no_region_remainders('cells', ['wave', 'perspective']) }}
    ) as counted_cells
    where cell_value is not null

),

{%- set row_relations = [('employing', 'respondents', ['employing', 'not_employing'])] %}
{%- for prefix, column in option_columns %}
{%- do row_relations.append((column, 'not_employing' if prefix == 'geen_reden' else 'employing',
                             [column, column ~ '_rest'])) %}
{%- endfor %}

memberships as (

    -- the regions (and the employers of no region) add up to the country
    {{ sum_relation('country', 'identified_cells', ['wave', 'perspective', 'measure'],
                    "region_code = 'NL'", "not is_derived or region_code = '-'") }}

    union all

    -- the perspectives add up to the wave
    {{ sum_relation('perspectives', 'identified_cells', ['region_code', 'wave'],
                    "perspective = '*'", "measure = 'respondents'") }}
    {%- for name, total, parts in row_relations %}

    union all

    {{ sum_relation(name, 'identified_cells', ['row_id'], "measure = '" ~ total ~ "'",
                    "perspective <> '*' and measure in ('"
                    ~ ([total] + parts) | join("', '") ~ "')") }}
    {%- endfor %}

),

pattern as (

    {{ secondary_suppression('identified_cells', 'memberships') }}

),

hidden as (

    {%- set option_names = [] %}
    {%- for prefix, column in option_columns %}{% do option_names.append(column) %}{% endfor %}
    {{ hidden_per_row('identified_cells', 'pattern', ['region_code', 'wave', 'perspective'],
                      ['respondents', 'employing'] + option_names) }}

),

-- the respondents of both perspectives together, as published
wave_totals as (

    select
        identified_cells.region_code,
        identified_cells.wave,
        identified_cells.cell_value as respondents,
        pattern.is_hidden as respondents_hidden
    from identified_cells
    inner join pattern
        on identified_cells.cell_id = pattern.cell_id
    where identified_cells.perspective = '*'

),

combined as (

    select
        option_counts.*,
        wave_totals.respondents as wave_respondents,
        wave_totals.respondents_hidden as wave_respondents_hidden,
        {%- for measure in ['respondents', 'employing'] %}
        hidden.{{ measure }}_hidden,
        {%- endfor %}
        {%- for prefix, keys in options.items() %}
        {%- for key in keys %}
        {%- set asked_hidden = 'hidden.employing_hidden'
            ~ (' or hidden.respondents_hidden' if prefix == 'geen_reden' else '') %}
        hidden.{{ prefix }}_{{ key }}_hidden or {{ asked_hidden }}
            as {{ prefix }}_{{ key }}_hidden,
        {%- endfor %}
        {#- the shares of all answers: only where every option is shown #}
        {%- set any_hidden = [] %}
        {%- for key in keys %}
        {%- do any_hidden.append('hidden.' ~ prefix ~ '_' ~ key ~ '_hidden') %}
        {%- endfor %}
        {{ any_hidden | join(' or ') }} or hidden.employing_hidden or hidden.respondents_hidden
            as {{ prefix }}_answers_hidden
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from option_counts
    inner join hidden
        on option_counts.region_code = hidden.region_code
        and option_counts.wave = hidden.wave
        and option_counts.perspective = hidden.perspective
    inner join wave_totals
        on option_counts.region_code = wave_totals.region_code
        and option_counts.wave = wave_totals.wave

),

final as (

    select
        region_code,
        wave,
        perspective,
        {{ protected_count('respondents', 'respondents_hidden') }},
        {{ protected_count('wave_respondents', 'wave_respondents_hidden') }},
        {{ published_rate('employing_share', 'respondents',
                          hidden_also='employing_hidden or respondents_hidden') }},
        {%- for prefix, keys in options.items() %}
        {%- set asked = 'not_employing' if prefix == 'geen_reden' else 'employing' %}
        {%- for key in keys %}
        {{ published_rate(prefix ~ '_' ~ key ~ '_of_respondents', asked,
                          hidden_also=prefix ~ '_' ~ key ~ '_hidden') }},
        {{ published_rate(prefix ~ '_' ~ key ~ '_of_answers', asked,
                          hidden_also=prefix ~ '_answers_hidden') }},
        {%- endfor %}
        {%- endfor %}
        -- the last column comes from a macro: sqlfluff misreads its indentation
        -- noqa: disable=LT02
        {%- for name in spinnenweb_elements() %}
        {%- set mean = 'spinnenweb_' ~ name ~ '_mean' %}
        {{ published_rate(mean, 'spinnenweb_' ~ name ~ '_n', value=round_double(mean, 1)) }},
        {{ rounded_count('spinnenweb_' ~ name ~ '_n', spinnenweb_count_base()) }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from combined  -- noqa: enable=LT02

)

select * from final
