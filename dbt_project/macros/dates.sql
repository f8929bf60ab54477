{#
    Date helpers built on dbt's cross-database macros, so that one SQL text serves DuckDB
    and PostgreSQL. Every helper returns a plain `date` (dbt.dateadd returns a timestamp on
    both adapters).
#}

{# date_expr plus a whole number of months; the day is clamped to the month's last day
   (2023-11-30 + 3 months = 2024-02-29), the same on DuckDB and PostgreSQL. #}
{% macro add_months(date_expr, months) -%}
    cast({{ dbt.dateadd('month', months, date_expr) }} as date)
{%- endmacro %}

{% macro add_days(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}

{# Whole months from start_date to end_date:
   (year difference) * 12 + (month difference) - (1 if the end's day of month is before the
   start's day of month). 2024-01-15 -> 2024-02-14 is 0 months, -> 2024-02-15 is 1 month. #}
{% macro whole_months_between(start_date, end_date) -%}
    cast(
        (extract(year from {{ end_date }}) - extract(year from {{ start_date }})) * 12
        + (extract(month from {{ end_date }}) - extract(month from {{ start_date }}))
        - case
            when extract(day from {{ end_date }}) < extract(day from {{ start_date }}) then 1
            else 0
        end
    as {{ dbt.type_int() }})
{%- endmacro %}

{# The quarter label ('2024Q4') of a date. #}
{% macro quarter_label(date_expr) -%}
    {{ dbt.concat([
        "cast(cast(extract(year from " ~ date_expr ~ ") as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
        "'Q'",
        "cast(cast(extract(quarter from " ~ date_expr ~ ") as " ~ dbt.type_int() ~ ") as " ~ dbt.type_string() ~ ")",
    ]) }}
{%- endmacro %}

{# First day of the quarter with label quarter_expr ('2024Q4' -> 2024-10-01). #}
{% macro quarter_start_date(quarter_expr) -%}
    {%- set year_start = "cast(" ~ dbt.concat(["substring(" ~ quarter_expr ~ ", 1, 4)", "'-01-01'"]) ~ " as date)" -%}
    {%- set months_into_year = "3 * (cast(substring(" ~ quarter_expr ~ ", 6, 1) as " ~ dbt.type_int() ~ ") - 1)" -%}
    {{ add_months(year_start, months_into_year) }}
{%- endmacro %}

{# Last day of the quarter with label quarter_expr ('2024Q4' -> 2024-12-31). #}
{% macro quarter_end_date(quarter_expr) -%}
    {{ add_days(add_months(quarter_start_date(quarter_expr), 3), -1) }}
{%- endmacro %}

{# A quarter's position in time ('2024Q1' -> 2024 * 4 + 0), so that quarters can be counted
   back ('the four quarters up to it'). #}
{% macro quarter_index(quarter_expr) -%}
    (cast(substring({{ quarter_expr }}, 1, 4) as {{ dbt.type_int() }}) * 4
     + cast(substring({{ quarter_expr }}, 6, 1) as {{ dbt.type_int() }}) - 1)
{%- endmacro %}
