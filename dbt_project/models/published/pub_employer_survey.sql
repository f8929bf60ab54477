-- mart_employer_survey as published: respondents and the number of scores of each
-- Spinnenweb element withheld below the threshold ('<10'); every share withheld when fewer
-- respondents were asked the question ('n<10': the reasons and contract types are asked of
-- the employers of the target group, the reasons-not-to of the others), every mean score
-- when fewer scored the element. The respondents of both perspectives together are published
-- too (what a report says it rests on); beside that total, a small perspective would follow
-- from the other one, which is then withheld as well ('x').

with

mart as (

    select * from {{ ref('mart_employer_survey') }}

),

perspectives as (

    {{ protecting_rows('mart', ['region_code', 'wave'], 'respondents', 'perspective') }}

),

asked as (

    select
        *,
        cast(sum(respondents) over (partition by region_code, wave) as {{ dbt.type_bigint() }})
            as wave_respondents,
        {#- the shares were computed over these numbers of respondents (exact: a share times
            its denominator, rounded) #}
        cast(round(respondents * coalesce(employing_share, 0)) as {{ dbt.type_bigint() }})
            as asked_employing,
        cast(round(respondents * (1 - coalesce(employing_share, 0))) as {{ dbt.type_bigint() }})
            as asked_not_employing
    from perspectives

),

{%- set options = employer_survey_options() %}

final as (

    select
        region_code,
        wave,
        perspective,
        {{ published_count('respondents', hidden_also='is_protecting') }},
        {{ published_count('wave_respondents') }},
        {{ published_rate('employing_share', 'respondents', hidden_also='is_protecting') }},
        {%- for prefix, keys in options.items() %}
        {%- set denominator = 'asked_employing' %}
        {%- if prefix == 'geen_reden' %}{% set denominator = 'asked_not_employing' %}{% endif %}
        {%- for key in keys %}
        {{ published_rate(prefix ~ '_' ~ key ~ '_of_respondents', denominator) }},
        {{ published_rate(prefix ~ '_' ~ key ~ '_of_answers', denominator) }},
        {%- endfor %}
        {%- endfor %}
        -- the last column comes from a macro: sqlfluff misreads its indentation
        -- noqa: disable=LT02
        {%- for name in spinnenweb_elements() %}
        {{ published_rate('spinnenweb_' ~ name ~ '_mean', 'spinnenweb_' ~ name ~ '_n') }},
        {{ published_count('spinnenweb_' ~ name ~ '_n') }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from asked  -- noqa: enable=LT02

)

select * from final
