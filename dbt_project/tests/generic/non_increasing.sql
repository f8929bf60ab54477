{#
    Within each group of `partition_by` columns, ordered by `order_by`, the column never
    rises from one row to the next (beyond a floating-point `tolerance`). Nulls pass.
#}
{% test non_increasing(model, column_name, partition_by, order_by, tolerance=0.000000001) %}
with ordered as (
    select
        {{ column_name }} as current_value,
        lag({{ column_name }}) over (
            partition by {{ partition_by | join(', ') }}
            order by {{ order_by }}
        ) as previous_value
    from {{ model }}
)

select *
from ordered
where current_value > previous_value + {{ tolerance }}
{% endtest %}
