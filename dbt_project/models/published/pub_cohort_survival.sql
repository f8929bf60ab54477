-- mart_cohort_survival as published (docs/disclosure.md, "Kaplan-Meier curves"):
-- - one kind of cohort per region: the quarter's, or for a small region (one whose quarterly
--   retention at 12 months could not be shown for some observed quarter) the rolling year of
--   the four quarters up to it, for all its quarters, so that no quarter follows from a
--   rolling year minus the others; the country's curves are quarterly;
-- - the curve drops only at steps that each pool at least the threshold of job losses since
--   the previous step (months pooled until they do): between steps it keeps the survival
--   and interval of its last step, both exact Kaplan-Meier values of that month (the
--   interval rounded to 0.1 percentage point);
-- - it is shown while at least the threshold is still followed (at risk);
-- - at risk is rounded to a multiple of 5; the counts of each month are not published.

{%- set t = suppress_below() %}

with recursive

mart as (

    select * from {{ ref('mart_cohort_survival') }}

),

-- lost_before: the job losses of the cohort before this month (those its survival counts);
-- lost_before_previous: the same one month earlier (-1 at month 0).
losses as (

    select
        *,
        coalesce(sum(events) over (
            partition by region_code, cohort_kind, cohort_quarter
            order by month
            rows between unbounded preceding and 1 preceding
        ), 0) as lost_before
    from mart

),

counted as (

    select
        *,
        coalesce(lag(lost_before) over (
            partition by region_code, cohort_kind, cohort_quarter order by month
        ), -1) as lost_before_previous
    from losses

),

-- A region is small when one of its observed quarterly cohorts did not keep the threshold
-- followed for 12 months, or lost fewer than the threshold in them.
small_regions as (

    select distinct region_code
    from counted
    where
        region_code <> 'NL'
        and cohort_kind = 'quarter'
        and month = 12
        and is_observable
        and (at_risk < {{ t }} or lost_before < {{ t }})

    union

    select region_code
    from counted
    where region_code <> 'NL' and cohort_kind = 'quarter'
    group by region_code, cohort_quarter
    having max(month) < 12 and bool_and(is_observable)

),

shown_kind as (

    select
        counted.*,
        case
            when small_regions.region_code is null then 'quarter' else 'rolling_year'
        end as region_cohort_kind
    from counted
    left join small_regions
        on counted.region_code = small_regions.region_code

),

curves as (

    select * from shown_kind
    where cohort_kind = region_cohort_kind

),

-- The steps, month 0 first: each next step is the first month by which at least the
-- threshold more were lost than by the previous step.
steps as (

    select region_code, cohort_kind, cohort_quarter, month, lost_before
    from curves
    where month = 0

    union all

    select
        curves.region_code, curves.cohort_kind, curves.cohort_quarter, curves.month,
        curves.lost_before
    from steps
    inner join curves
        on steps.region_code = curves.region_code
        and steps.cohort_kind = curves.cohort_kind
        and steps.cohort_quarter = curves.cohort_quarter
        and curves.lost_before >= steps.lost_before + {{ t }}
        and curves.lost_before_previous < steps.lost_before + {{ t }}

),

stepped as (

    select
        curves.*,
        steps.month is not null and curves.month > 0 as is_step,
        max(steps.month) over (
            partition by curves.region_code, curves.cohort_kind, curves.cohort_quarter
            order by curves.month
            rows between unbounded preceding and current row
        ) as step_month,
        min(curves.at_risk) over (
            partition by curves.region_code, curves.cohort_kind, curves.cohort_quarter
            order by curves.month
            rows between unbounded preceding and current row
        ) < {{ t }} as is_cut_off
    from curves
    left join steps
        on curves.region_code = steps.region_code
        and curves.cohort_kind = steps.cohort_kind
        and curves.cohort_quarter = steps.cohort_quarter
        and curves.month = steps.month

),

pooled as (

    select
        stepped.region_code,
        stepped.cohort_kind,
        stepped.cohort_quarter,
        stepped.month,
        stepped.at_risk,
        stepped.is_step,
        stepped.is_cut_off,
        step.survival,
        {#- to 0.1 percentage point: finer, the growth of Greenwood's variance between two
            steps could tell the pooled months apart #}
        {{ round_double('step.ci_lower', 3) }} as ci_lower,
        {{ round_double('step.ci_upper', 3) }} as ci_upper,
        stepped.is_observable
    from stepped
    inner join curves as step
        on stepped.region_code = step.region_code
        and stepped.cohort_kind = step.cohort_kind
        and stepped.cohort_quarter = step.cohort_quarter
        and stepped.step_month = step.month

),

final as (

    select
        region_code,
        cohort_quarter,
        cohort_kind,
        month,
        {{ rounded_count('at_risk', 5) }},
        {{ published_rate('survival', 'at_risk', hidden_also='is_cut_off') }},
        {{ published_rate('ci_lower', 'at_risk', hidden_also='is_cut_off') }},
        {{ published_rate('ci_upper', 'at_risk', hidden_also='is_cut_off') }},
        is_step and not is_cut_off as is_step,
        is_observable
    from pooled

)

select * from final
