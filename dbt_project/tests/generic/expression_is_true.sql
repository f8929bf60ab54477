{#
    Every row satisfies `expression` (a SQL boolean over the model's columns). Rows where
    the expression is null fail too: write `x is null or ...` to allow nulls. On a column,
    the expression still names the column itself.
#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
