-- The employer survey per region (and 'NL') x wave x perspective: respondents, the share
-- employing the target group, each reason, contract type and reason-not-to as a share of the
-- respondents it applies to and of all answers to that question, and the Spinnenweb mean and
-- number of scores per element. A respondent's region: their municipality's region in the
-- wave's year.

with

responses as (

    select * from {{ ref('stg_employer_survey__responses') }}

),

municipality_regions as (

    select * from {{ ref('int_municipality_regions') }}
    where region_code is not null

),

regional as (

    select responses.*, municipality_regions.region_code
    from responses
    inner join municipality_regions
        on responses.municipality_code = municipality_regions.municipality_code
        and (
            cast(substring(responses.wave, 1, 4) as {{ dbt.type_int() }})
            between municipality_regions.valid_from_year and municipality_regions.valid_to_year
        )

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
