-- mart_cohort_survival as published: a curve is shown while at least the threshold of its
-- cohort is still followed (at risk): from the first month with fewer, its survival and
-- interval are withheld ('n<10'), also when more are at risk later (they cannot be: at_risk
-- only falls). The counts of each month are withheld below the threshold.

with

mart as (

    select * from {{ ref('mart_cohort_survival') }}

),

{%- set t = suppress_below() %}

followed as (

    select
        *,
        min(at_risk) over (
            partition by region_code, cohort_quarter
            order by month
            rows between unbounded preceding and current row
        ) < {{ t }} as is_cut_off
    from mart

),

final as (

    select
        region_code,
        cohort_quarter,
        month,
        {{ published_count('at_risk') }},
        {{ published_count('events') }},
        {{ published_count('censored') }},
        {{ published_rate('survival', 'at_risk', hidden_also='is_cut_off') }},
        {{ published_rate('ci_lower', 'at_risk', hidden_also='is_cut_off') }},
        {{ published_rate('ci_upper', 'at_risk', hidden_also='is_cut_off') }},
        is_observable
    from followed

)

select * from final
