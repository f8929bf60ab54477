{# 8-byte floating point on both adapters (dbt.type_float() is a 4-byte REAL on DuckDB). #}
{% macro type_double() -%}
    double precision
{%- endmacro %}

{# A double rounded to `digits` decimals, so that results computed through logarithms
   compare exactly across adapters and in unit tests. Rounding is monotone, so it keeps
   bounds (0..1) and order (non-increasing survival). #}
{% macro round_double(expr, digits=12) -%}
    cast(round(cast({{ expr }} as decimal(30, 18)), {{ digits }}) as {{ type_double() }})
{%- endmacro %}

{# numerator / denominator as a double; null when the denominator is null or 0. #}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
