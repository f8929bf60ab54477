{#
    Kaplan-Meier survival by group, written once for every model that needs it.

    `spells` names a relation or CTE with the group columns, duration_months (whole months
    followed, >= 0) and is_event (true: the spell ended; false: censored). Returns a select
    with, per group x month 0..max_month: group_size, at_risk (n_t), events (d_t), censored,
    survival_raw (S(t) = product over months m < t of (1 - d_m / n_m)) and greenwood_sum
    (sum over months m < t of d_m / (n_m (n_m - d_m)), Greenwood's variance of S(t) divided
    by S(t)^2).
#}
{% macro kaplan_meier(spells, group_by, max_month) -%}
{%- set keys = group_by | join(', ') -%}
select * from (

    with

    km_groups as (
        select {{ keys }}, count(*) as group_size
        from {{ spells }}
        group by {{ keys }}
    ),

    km_endings as (
        select
            {{ keys }},
            duration_months,
            sum(case when is_event then 1 else 0 end) as events,
            sum(case when is_event then 0 else 1 end) as censored
        from {{ spells }}
        group by {{ keys }}, duration_months
    ),

    km_months as (
        select cast(generated_number - 1 as {{ dbt.type_int() }}) as month
        from ({{ dbt.generate_series(max_month + 1) }}) as series
    ),

    -- n_t = the group minus the spells that ended or were censored before t (durations
    -- are whole months >= 0, so all of those are months < t).
    km_risk_table as (
        select
            {% for key in group_by %}km_groups.{{ key }}, {% endfor %}
            km_months.month,
            km_groups.group_size,
            coalesce(km_endings.events, 0) as events,
            coalesce(km_endings.censored, 0) as censored
        from km_groups
        cross join km_months
        left join km_endings
            on {% for key in group_by %}km_groups.{{ key }} = km_endings.{{ key }} and {% endfor %}
            km_months.month = km_endings.duration_months
    ),

    km_at_risk as (
        select
            *,
            group_size - coalesce(sum(events + censored) over km_earlier_months, 0) as at_risk
        from km_risk_table
        window km_earlier_months as (
            partition by {{ keys }} order by month
            rows between unbounded preceding and 1 preceding
        )
    ),

    -- The factor (1 - d_t / n_t) of month t (1 when nobody is at risk) and its Greenwood
    -- term (0 when undefined: nobody at risk, or everyone at risk ended).
    km_factors as (
        select
            *,
            case
                when at_risk > 0 then 1 - cast(events as {{ type_double() }}) / at_risk
                else 1
            end as survival_factor,
            case
                when events > 0 and at_risk > events
                    then cast(events as {{ type_double() }}) / (at_risk * (at_risk - events))
                else 0
            end as greenwood_term
        from km_at_risk
    ),

    -- S(k) = product over t < k of the factors: a sum of logarithms, or 0 as soon as one
    -- factor is 0 (every spell at risk ended).
    km_survival as (
        select
            *,
            case
                when coalesce(sum(case when survival_factor = 0 then 1 else 0 end)
                              over km_earlier_months, 0) > 0
                    then 0
                else exp(coalesce(
                    sum(ln(case when survival_factor > 0 then survival_factor end))
                        over km_earlier_months,
                    0
                ))
            end as survival_raw,
            coalesce(sum(greenwood_term) over km_earlier_months, 0) as greenwood_sum
        from km_factors
        window km_earlier_months as (
            partition by {{ keys }} order by month
            rows between unbounded preceding and 1 preceding
        )
    )

    select {{ keys }}, month, group_size, at_risk, events, censored, survival_raw, greenwood_sum
    from km_survival

) as kaplan_meier
{%- endmacro %}


{# One bound of the 95% log-log confidence interval of a survival estimate: S^exp(-/+ z se)
   with se = sqrt(greenwood_sum) / |log S|; the point itself at S = 1 and S = 0. #}
{% macro loglog_bound(survival, greenwood_sum, bound) -%}
    {%- set sign = '' if bound == 'lower' else '-' -%}
    case
        when {{ survival }} > 0 and {{ survival }} < 1
            then power({{ survival }}, exp({{ sign }}1.959963984540054
                 * sqrt({{ greenwood_sum }}) / abs(ln({{ survival }}))))
        else {{ survival }}
    end
{%- endmacro %}
