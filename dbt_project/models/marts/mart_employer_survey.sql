-- The employer survey per region (and 'NL') x wave x perspective: respondents, the share
-- employing the target group, each reason, contract type and reason-not-to as a share of the
-- respondents it applies to and of all answers to that question, and the Spinnenweb mean and
-- number of scores per element. A response counts in the region it counts in
-- (int_employer_survey_responses) and in the country.

with

responses as (

    select * from {{ ref('int_employer_survey_responses') }}

),

regional as (

    select responses.*, responses.survey_region_code as region_code
    from responses
    where responses.survey_region_code is not null

    union all

    select responses.*, 'NL' as region_code
    from responses

),

{%- set options = employer_survey_options() %}

final as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(wave as {{ dbt.type_string() }}) as wave,
        cast(perspective as {{ dbt.type_string() }}) as perspective,
        cast(count(*) as {{ dbt.type_bigint() }}) as respondents,
        {{ ratio('sum(case when employs_target_group then 1 else 0 end)', 'count(*)') }}
            as employing_share,
        {%- for prefix, keys in options.items() %}
        {#- reasons and contracts are asked of employers of the target group, the
            reasons-not-to of the others #}
        {%- set asked = 'employs_target_group' %}
        {%- if prefix == 'geen_reden' %}{% set asked = 'not employs_target_group' %}{% endif %}
        {%- set answers = [] %}
        {%- for key in keys %}
        {%- do answers.append('sum(case when ' ~ prefix ~ '_' ~ key ~ ' then 1 else 0 end)') %}
        {%- endfor %}
        {%- for key in keys %}
        {{ ratio(answers[loop.index0], 'sum(case when ' ~ asked ~ ' then 1 else 0 end)') }}
            as {{ prefix }}_{{ key }}_of_respondents,
        {{ ratio(answers[loop.index0], answers | join(' + ')) }}
            as {{ prefix }}_{{ key }}_of_answers,
        {%- endfor %}
        {%- endfor %}
        {%- for name in spinnenweb_elements() %}
        cast(avg(spinnenweb_{{ name }}) as {{ type_double() }}) as spinnenweb_{{ name }}_mean,
        cast(count(spinnenweb_{{ name }}) as {{ dbt.type_bigint() }}) as spinnenweb_{{ name }}_n
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from regional
    group by region_code, wave, perspective

)

select * from final
