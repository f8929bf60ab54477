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
   (it would give a withheld count away). A rate that is null anyway is not marked. #}
{% macro published_rate(column, denominator, hidden_also=none) -%}
    {%- set small = denominator ~ ' < ' ~ suppress_below() -%}
    {%- set hidden = small if hidden_also is none else '(' ~ small ~ ' or ' ~ hidden_also ~ ')' -%}
    case when {{ hidden }} then null else {{ column }} end as {{ column }},
    case
        when {{ column }} is null then null
        when {{ small }} then 'n<{{ suppress_below() }}'
        {%- if hidden_also is not none %}
        when {{ hidden_also }} then 'x'
        {%- endif %}
    end as {{ column }}_suppressed
{%- endmacro %}

{# Secondary suppression over counts that add up to a known total, one row at a time: the
   SQL condition, per column, that it is hidden to protect another. When exactly one count is
   below the threshold, the smallest of the others (the first of equals, in the given order)
   is hidden too, so that the small one does not follow from the total. #}
{% macro secondary_of_columns(columns) -%}
    {%- set t = suppress_below() -%}
    {%- set small = [] -%}
    {%- for column in columns %}{% do small.append('case when ' ~ column ~ ' < ' ~ t ~ ' then 1 else 0 end') %}{% endfor -%}
    {%- set conditions = {} -%}
    {%- for column in columns -%}
        {%- set beats = [] -%}
        {%- for other in columns if other != column -%}
            {%- set tie = (' or ' ~ column ~ ' = ' ~ other) if columns.index(other) > columns.index(column) else '' -%}
            {%- do beats.append('(' ~ other ~ ' is null or ' ~ other ~ ' < ' ~ t ~ ' or ' ~ column ~ ' < ' ~ other ~ tie ~ ')') -%}
        {%- endfor -%}
        {%- do conditions.update({column: '(' ~ (small | join(' + ')) ~ ' = 1 and ' ~ column ~ ' >= ' ~ t ~ ' and ' ~ (beats | join(' and ')) ~ ')'}) -%}
    {%- endfor -%}
    {{ return(conditions) }}
{%- endmacro %}

{# Text ordered by its bytes on both adapters (DuckDB's default; PostgreSQL's collation would
   order '<12' after '12-24'), as the reports' code orders it. #}
{% macro binary_order(expression) -%}
    {%- if target.type == 'postgres' %}{{ expression }} collate "C"{% else %}{{ expression }}{% endif -%}
{%- endmacro %}

{# Secondary suppression over rows that add up to a total (the levels of a factor, the
   perspectives of a wave): the rows of `relation` with `is_protecting`, true for the row
   hidden to protect another. When exactly one row of a group has a count below the
   threshold, the smallest of the others (the first by `tiebreak` in byte order among
   equals) is hidden too, so that the small one does not follow from the total. #}
{% macro protecting_rows(relation, group_by, count_column, tiebreak) -%}
    {%- set t = suppress_below() -%}
    select
        *,
        {{ count_column }} >= {{ t }}
        and sum(case when {{ count_column }} < {{ t }} then 1 else 0 end)
            over (partition by {{ group_by | join(', ') }}) = 1
        and row_number() over (
            partition by {{ group_by | join(', ') }}, {{ count_column }} < {{ t }}
            order by {{ count_column }}, {{ binary_order(tiebreak) }}
        ) = 1 as is_protecting
    from {{ relation }}
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
