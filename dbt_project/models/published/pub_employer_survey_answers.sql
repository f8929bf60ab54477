-- mart_employer_survey_answers as published (docs/disclosure.md, "Employer reports"): a
-- participating employer's own Spinnenweb scores, for its own report only (not on the
-- dashboard, not in the open-data export). A reader who knows them subtracts them from
-- the means of pub_employer_survey that hold them (its region's and the country's, of its
-- wave and perspective) and has the mean of the other employers' scores. So a score is
-- shown only where, in both rows, the scores never published number at least the
-- threshold: the published number of scores at its lowest (it is rounded, so a reader
-- knows it only within half the rounding base) minus the scores of every participating
-- employer in the row, published or not (so that one employer's rule does not depend on
-- another's). Otherwise it is withheld ('x'); a score not given is null without a marker.
-- An answer without a region (its municipality in none that year) is withheld too: it counts
-- in the country's row only, so the country less its regions (the answers without a region)
-- would hold it beside a few others.

{%- set t = suppress_below() %}
{%- set margin = spinnenweb_count_base() // 2 %}
{%- set elements = spinnenweb_elements() %}

with

answers as (

    select * from {{ ref('mart_employer_survey_answers') }}

),

-- each answer in every row of pub_employer_survey that holds it
memberships as (

    {%- for row_region in ['survey_region_code', "'NL'"] %}
    select
        employer_id,
        wave,
        perspective,
        {{ row_region }} as row_region_code,
        {%- for name in elements %}
        spinnenweb_{{ name }}_score{% if not loop.last %},{% endif %}
        {%- endfor %}
    from answers
    {%- if row_region == 'survey_region_code' %}
    where survey_region_code is not null

    union all
    {%- endif %}
    {%- endfor %}

),

-- per row and element: the scores a report could show (every participating employer's)
reportable as (

    select
        row_region_code,
        wave,
        perspective,
        {%- for name in elements %}
        count(spinnenweb_{{ name }}_score) as spinnenweb_{{ name }}_reportable
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from memberships
    group by row_region_code, wave, perspective

),

-- per row and element: whether the scores never published number at least the threshold
survey_rows as (

    select
        reportable.row_region_code,
        reportable.wave,
        reportable.perspective,
    {%- for name in elements %}
    coalesce(
        survey.spinnenweb_{{ name }}_n - {{ margin }}
        - reportable.spinnenweb_{{ name }}_reportable >= {{ t }},
        false
    ) as spinnenweb_{{ name }}_open
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
    from reportable
    left join {{ ref('pub_employer_survey') }} as survey
        on reportable.row_region_code = survey.region_code
        and reportable.wave = survey.wave
        and reportable.perspective = survey.perspective

),

-- a score is shown only where every row holding it is open
shown as (

    select
        memberships.employer_id,
        memberships.wave,
    {%- for name in elements %}
    min(case when survey_rows.spinnenweb_{{ name }}_open then 1 else 0 end) = 1
        as spinnenweb_{{ name }}_shown
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
    from memberships
    inner join survey_rows
        on memberships.row_region_code = survey_rows.row_region_code
        and memberships.wave = survey_rows.wave
        and memberships.perspective = survey_rows.perspective
    group by memberships.employer_id, memberships.wave

),

final as (

    select
        answers.employer_id,
        answers.region_code,
        answers.wave,
        answers.perspective,
        answers.survey_region_code,
    {%- for name in elements %}
    {%- set score = 'answers.spinnenweb_' ~ name ~ '_score' %}
    {%- set shown_here = 'shown.spinnenweb_' ~ name ~ '_shown' %}
    {%- set open = '(' ~ shown_here ~ ' and answers.survey_region_code is not null)' %}
    case when {{ open }} then {{ score }} end as spinnenweb_{{ name }}_score,
    case when {{ score }} is not null and not {{ open }} then 'x' end
        as spinnenweb_{{ name }}_score_suppressed
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
    from answers
    inner join shown
        on answers.employer_id = shown.employer_id
        and answers.wave = shown.wave

)

select * from final
