{#
    Disclosure control of the published layer (models/published), applied once for every
    reader (the reports, the dashboard, analysts). A withheld value is null, and beside it
    `<column>_suppressed` (text) says what a reader shows in its place; it is null when the
    value is shown (README.md, "The published layer"):
    - '<10'  a count below the threshold (counts of 0 included);
    - 'x'    a value hidden although it is not small, because a withheld count would follow
             from it: a count of a group that adds up to a known total (secondary
             suppression), a share of a withheld count, a difference with a withheld count;
    - 'n<10' a rate, mean or share over fewer people than the threshold.
    The threshold is the variable suppress_below, by default DUURZAAM_SUPPRESS_BELOW (10).
#}
{% macro suppress_below() -%}
    {{ return(var('suppress_below', env_var('DUURZAAM_SUPPRESS_BELOW', '10')) | int) }}
{%- endmacro %}

{# A count, shown only when it is at least the threshold; `hidden_also` (SQL, optional) hides
   it too, as 'x' (secondary suppression). #}
{% macro published_count(column, hidden_also=none) -%}
    {%- set small = column ~ ' < ' ~ suppress_below() -%}
    {%- set hidden = small if hidden_also is none else '(' ~ small ~ ' or ' ~ hidden_also ~ ')' -%}
    case when {{ hidden }} then null else {{ column }} end as {{ column }},
    case
        when {{ small }} then '<{{ suppress_below() }}'
        {%- if hidden_also is not none %}
        when {{ hidden_also }} then 'x'
        {%- endif %}
    end as {{ column }}_suppressed
{%- endmacro %}

{# A rate (share, mean) whose denominator is a number of people: withheld ('n<10') when that
   denominator is below the threshold; `hidden_also` (SQL, optional) withholds it too, as 'x'
   (it would give a withheld count away). A rate that is null anyway is not marked. `value`
   (SQL, optional): what is shown instead of the column itself (e.g. the column rounded). #}
{% macro published_rate(column, denominator, hidden_also=none, value=none) -%}
    {%- set small = denominator ~ ' < ' ~ suppress_below() -%}
    {%- set hidden = small if hidden_also is none else '(' ~ small ~ ' or ' ~ hidden_also ~ ')' -%}
    case when {{ hidden }} then null else {{ column if value is none else value }} end
        as {{ column }},
    case
        when {{ column }} is null then null
        when {{ small }} then 'n<{{ suppress_below() }}'
        {%- if hidden_also is not none %}
        when {{ hidden_also }} then 'x'
        {%- endif %}
    end as {{ column }}_suppressed
{%- endmacro %}


{# An effects model's estimate (`ratio`, its interval `ci_lower` and `ci_upper`, p_value) as
   published: an estimate of the national model is shown on every region's rows (it gives
   nothing of the region away); one of a region's own model is withheld ('n<10') where `few`
   (SQL: the level's outcomes below the threshold) holds; a reference level's ratio is 1 by
   definition and shown, without an interval. #}
{% macro published_estimate(ratio, ci_lower, ci_upper, few) -%}
    {%- set small = '(not is_reference and model_region_code = region_code and (' ~ few ~ '))' -%}
    case when {{ small }} then null else {{ ratio }} end as {{ ratio }},
    case when {{ small }} then 'n<{{ suppress_below() }}' end as {{ ratio }}_suppressed,
    {%- for column in [ci_lower, ci_upper, 'p_value'] %}
    case when {{ small }} or is_reference then null else {{ column }} end as {{ column }},
    case when {{ small }} and {{ column }} is not null then 'n<{{ suppress_below() }}' end
        as {{ column }}_suppressed
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}


{# Text ordered by its bytes on both adapters (DuckDB's default; PostgreSQL's collation would
   order '<12' after '12-24'), as the reports' code orders it. #}
{% macro binary_order(expression) -%}
    {%- if target.type == 'postgres' %}{{ expression }} collate "C"{% else %}{{ expression }}{% endif -%}
{%- endmacro %}


{# A count under secondary suppression: withheld below the threshold ('<10') or when
   `hidden` (SQL, the cell's outcome of secondary_suppression) holds ('x'). `value` is the
   exact count when the column is computed. #}
{% macro protected_count(column, hidden, value=none) -%}
    {%- set value = column if value is none else value -%}
    case when {{ value }} < {{ suppress_below() }} or ({{ hidden }}) then null else {{ value }} end
        as {{ column }},
    case
        when {{ value }} < {{ suppress_below() }} then '<{{ suppress_below() }}'
        when {{ hidden }} then 'x'
    end as {{ column }}_suppressed
{%- endmacro %}

{# Retention read off a published curve (`shown`: its survival at the month, null where the
   curve is withheld): shown only after the curve's first step, so that at least the
   threshold were lost and, the curve being shown, at least the threshold are still
   followed. Withheld as 'n<10' over a cohort below the threshold, else 'x'. #}
{% macro curve_rate(column, shown, cohort) -%}
    case when {{ shown }} < 1 then {{ shown }} end as {{ column }},
    case
        when {{ shown }} < 1 then null
        when {{ column }} is null and {{ shown }} is null then null
        when coalesce({{ cohort }}, 0) < {{ suppress_below() }} then 'n<{{ suppress_below() }}'
        else 'x'
    end as {{ column }}_suppressed
{%- endmacro %}

{# A count published rounded to a multiple of `base` (withheld below the threshold, '<10'):
   where its exact value beside another count would give a small difference away, and
   protecting that by suppression would cost too much (docs/disclosure.md). #}
{% macro rounded_count(column, base) -%}
    case
        when {{ column }} < {{ suppress_below() }} then null
        else cast(round({{ column }} / {{ base }}.0) * {{ base }} as {{ dbt.type_bigint() }})
    end as {{ column }},
    case when {{ column }} < {{ suppress_below() }} then '<{{ suppress_below() }}' end
        as {{ column }}_suppressed
{%- endmacro %}
