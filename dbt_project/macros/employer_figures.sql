{#
    What the employer models (int_employer_*, mart_employer_*, pub_employer_*) share: the
    instruments they count, the extract quarters with their rolling years, the most frequent
    value of a column per employer, the retention of a rolling year's placements and how it
    is published.
#}

{# The instruments a placement may use: (column of int_placements, factor of the retention
   factors and effects, macros/factor_levels.sql). #}
{% macro employer_instruments() -%}
    {{ return([
        ('jobcoach', 'jobcoach'),
        ('wage_cost_subsidy', 'loonkostensubsidie'),
        ('no_risk_policy', 'no_riskpolis'),
        ('workplace_adaptation', 'werkplekaanpassing'),
        ('labour_expert', 'arbeidsdeskundige'),
    ]) }}
{%- endmacro %}

{# The counts of the instruments' placements: `<column>_placements` per instrument. #}
{% macro employer_instrument_counts() -%}
    {%- set counts = [] -%}
    {%- for column, _ in employer_instruments() -%}
        {%- do counts.append(column ~ '_placements') -%}
    {%- endfor -%}
    {{ return(counts) }}
{%- endmacro %}

{# The extract quarters with their position in time and whether their rolling year (the
   quarter and the three before it, as int_spell_survival defines it) is observed whole. #}
{% macro rolling_year_quarters() -%}
    select
        quarter,
        quarter_start,
        quarter_end,
        {{ quarter_index('quarter') }} as quarter_position,
        {{ quarter_index('quarter') }} - min({{ quarter_index('quarter') }}) over () >= 3
            as has_rolling_year
    from {{ ref('int_extract_quarters') }}
{%- endmacro %}

{# Per `key`, the most frequent non-null value of `column` in `relation` (ties: the first
   in byte order), as `column`. #}
{% macro most_frequent(relation, key, column) -%}
    select {{ key }}, {{ column }}
    from (
        select
            {{ key }},
            {{ column }},
            row_number() over (
                partition by {{ key }}
                order by count(*) desc, {{ binary_order(column) }}
            ) as frequency_rank
        from {{ relation }}
        where {{ column }} is not null
        group by {{ key }}, {{ column }}
    ) as ranked
    where frequency_rank = 1
{%- endmacro %}

{#
    Retention at 6 and 12 months of each rolling year's placements per `group_by`: the
    Kaplan-Meier estimate (macros/kaplan_meier.sql) of the placements of `placements` (with
    start_quarter, duration_months and is_event: int_employer_placements' columns) started in
    the four quarters up to cohort_quarter, once all four are observed. Per group and
    cohort_quarter: cohort_size, and per month k retention_<k>m, the job losses before month
    k (retention_<k>m_losses) and the placements still followed at month k
    (retention_<k>m_followed); all three null while month k of the cohort's last quarter
    is not observed.
#}
{% macro rolling_year_retention(placements, group_by) -%}
{%- set keys = group_by | join(', ') -%}
select * from (

    with

    retention_quarters as (

        {{ rolling_year_quarters() }}

    ),

    retention_members as (

        select
            {% for key in group_by %}members.{{ key }}, {% endfor %}
            retention_quarters.quarter as cohort_quarter,
            retention_quarters.quarter_end as cohort_end,
            members.duration_months,
            members.is_event
        from {{ placements }} as members
        inner join retention_quarters
            on retention_quarters.quarter_position
            - {{ quarter_index('members.start_quarter') }} between 0 and 3
        where retention_quarters.has_rolling_year

    ),

    retention_curves as (

        {{ kaplan_meier('retention_members', group_by + ['cohort_quarter', 'cohort_end'], 12) }}

    ),

    observation as (

        select observation_end from {{ ref('int_observation_window') }}

    )

    select
        {% for key in group_by %}retention_curves.{{ key }}, {% endfor %}
        retention_curves.cohort_quarter,
        cast(max(retention_curves.group_size) as {{ dbt.type_bigint() }}) as cohort_size,
        {%- for k in [6, 12] %}
        {%- set observed = 'observation.observation_end >= '
                           ~ add_months('retention_curves.cohort_end', k) %}
        case when {{ observed }} then {{ round_double(
            'max(case when retention_curves.month = ' ~ k
            ~ ' then retention_curves.survival_raw end)') }} end as retention_{{ k }}m,
        case when {{ observed }} then cast(sum(case when retention_curves.month < {{ k }}
            then retention_curves.events else 0 end) as {{ dbt.type_bigint() }}) end
            as retention_{{ k }}m_losses,
        case when {{ observed }} then cast(max(case when retention_curves.month = {{ k }}
            then retention_curves.at_risk end) as {{ dbt.type_bigint() }}) end
            as retention_{{ k }}m_followed
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from retention_curves
    cross join observation
    group by
        {% for key in group_by %}retention_curves.{{ key }}, {% endfor %}
        retention_curves.cohort_quarter,
        retention_curves.cohort_end,
        observation.observation_end

) as rolling_year_retention
{%- endmacro %}

{# Retention at k months as published: shown only where at least the threshold were lost
   before month k and at least the threshold are still followed at k (so neither the rate
   times its cohort nor its complement is a small count), and its cohort is shown; `hidden`
   (SQL) withholds it too. Withheld as 'n<10' over a cohort below the threshold, else 'x'. #}
{% macro published_retention(k, hidden) -%}
    {%- set t = suppress_below() -%}
    {%- set rate = 'retention_' ~ k ~ 'm' -%}
    {%- set shown = '(' ~ rate ~ '_losses >= ' ~ t ~ ' and ' ~ rate ~ '_followed >= ' ~ t
                    ~ ' and not (' ~ hidden ~ '))' -%}
    case when {{ shown }} then {{ rate }} end as {{ rate }},
    case
        when {{ rate }} is null or {{ shown }} then null
        when rolling_year_placements < {{ t }} then 'n<{{ t }}'
        else 'x'
    end as {{ rate }}_suppressed
{%- endmacro %}

{# The counts of people the employer models publish exact (the number in work is rounded). #}
{% macro employer_counts() -%}
    {{ return(['placements_started', 'job_losses', 'job_to_job_moves', 'rolling_year_placements']) }}
{%- endmacro %}

{# The share of a rolling year's placements with `instrument` as published: only beside its
   count (`<instrument>_placements`) and the rolling year's, neither withheld (`hidden`, SQL:
   the count's outcome of secondary suppression, which also withholds it where those without
   the instrument are fewer than the threshold). #}
{% macro published_share(instrument, hidden) -%}
    {{ published_rate(instrument ~ '_share', 'rolling_year_placements',
                      hidden_also='(' ~ hidden ~ ') or rolling_year_placements_hidden') }}
{%- endmacro %}

{# The relations of rolling years in `cells` (unit, quarter, quarter_position, measure,
   cell_id): a unit's rolling_year_placements of a quarter are its placements_started of
   that quarter and the three before it. #}
{% macro rolling_year_relation(cells) -%}
    select
        {{ dbt.concat(["'rolling|'", 'rolling.unit', "'|'", 'rolling.quarter']) }} as group_id,
        parts.cell_id,
        parts.measure = 'rolling_year_placements' as is_total
    from {{ cells }} as rolling
    inner join {{ cells }} as parts
        on rolling.unit = parts.unit
        and (
            (parts.measure = 'rolling_year_placements' and rolling.quarter = parts.quarter)
            or (
                parts.measure = 'placements_started'
                and rolling.quarter_position - parts.quarter_position between 0 and 3
            )
        )
    where rolling.measure = 'rolling_year_placements'
{%- endmacro %}

{# A count published rounded to a multiple of `base` (rounded_count, macros/disclosure.sql)
   that `hidden` (SQL) withholds too, as 'x'. #}
{% macro rounded_protected_count(column, base, hidden) -%}
    {%- set t = suppress_below() -%}
    case
        when {{ column }} < {{ t }} or ({{ hidden }}) then null
        else cast(round({{ column }} / {{ base }}.0) * {{ base }} as {{ dbt.type_bigint() }})
    end as {{ column }},
    case
        when {{ column }} < {{ t }} then '<{{ t }}'
        when {{ hidden }} then 'x'
    end as {{ column }}_suppressed
{%- endmacro %}
