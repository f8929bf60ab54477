-- mart_region_quarter as published: every count of people below the threshold withheld,
-- every rate over fewer people withheld, and within the register by legal basis (which adds
-- up to register_total) a second count hidden when exactly one is small. Withheld values are
-- null with `<column>_suppressed` saying what to show instead (macros/disclosure.sql).

with

mart as (

    select * from {{ ref('mart_region_quarter') }}

),

{%- set t = suppress_below() %}
{%- set legal_bases = ['register_wajong', 'register_wsw', 'register_participatiewet',
                       'register_pro_vso', 'register_wiw_id'] %}
{%- set secondary = secondary_of_columns(legal_bases) %}

final as (

    select
        region_code,
        region_name,
        quarter,
        quarter_start,
        quarter_end,
        {{ published_count('placements_started') }},
        {{ published_count('job_to_job_moves') }},
        {{ published_count('spell_ends') }},
        {{ published_count('job_losses') }},
        {{ published_count('job_losses_provisional') }},
        {{ published_rate('retention_12m', 'retention_12m_cohort') }},
        {{ published_count('retention_12m_cohort') }},
        {{ published_count('nl_placements_started') }},
        {{ published_count('nl_job_losses') }},
        {{ published_count('nl_job_to_job_moves') }},
        {#- the national cohort of a quarter: the placements started in it #}
        {{ published_rate('nl_retention_12m', 'nl_placements_started') }},
        {{ published_rate('retention_6m', 'retention_12m_cohort') }},
        {{ published_rate('retention_24m', 'retention_12m_cohort') }},
        {{ published_rate('nl_retention_6m', 'nl_placements_started') }},
        {{ published_rate('nl_retention_24m', 'nl_placements_started') }},
        {#- a difference of two published counts: hidden with either of them #}
        case
            when placements_started < {{ t }} or job_losses < {{ t }} then null
            else net_change
        end as net_change,
        case
            when placements_started < {{ t }} or job_losses < {{ t }} then 'x'
        end as net_change_suppressed,
        case
            when nl_placements_started < {{ t }} or nl_job_losses < {{ t }} then null
            else nl_net_change
        end as nl_net_change,
        case
            when nl_placements_started < {{ t }} or nl_job_losses < {{ t }} then 'x'
        end as nl_net_change_suppressed,
        {{ published_count('placed_in_work') }},
        {{ published_count('nl_placed_in_work') }},
        {{ published_count('register_total') }},
        {%- for column in legal_bases %}
        {{ published_count(column, secondary[column]) }},
        {%- endfor %}
        {{ published_count('register_working') }},
        {#- a share of a small number working would give that number away #}
        {{ published_rate('employment_rate', 'register_total',
                          hidden_also='register_working < ' ~ t) }},
        {{ published_count('nl_register_total') }},
        {{ published_rate('nl_employment_rate', 'nl_register_total') }},
        {#- jobs in units of 25.5 hours, as the agencies publish them: not counts of people #}
        jobs_market,
        jobs_government,
        jobs_target,
        jobs_progress,
        nl_jobs_progress
    from mart

)

select * from final
