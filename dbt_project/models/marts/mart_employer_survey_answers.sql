-- One row per participating employer x survey wave of its participation in which it
-- responded as an employer (a response of the perspective 'werkgever' carrying its
-- werkgever_id; a professional's answers are that person's, not the employer's): its
-- Spinnenweb scores, the region it
-- takes part in and the region its answers count in. Definitions:
-- mart_employer_survey_answers.yml.

with

employers as (

    select * from {{ ref('int_employers') }}
    where is_participating

),

responses as (

    select * from {{ ref('int_employer_survey_responses') }}
    where employer_id is not null and perspective = 'werkgever'

),

final as (

    select
        cast(employers.employer_id as {{ dbt.type_string() }}) as employer_id,
        cast(employers.region_code as {{ dbt.type_string() }}) as region_code,
        cast(responses.wave as {{ dbt.type_string() }}) as wave,
        cast(responses.perspective as {{ dbt.type_string() }}) as perspective,
        cast(responses.survey_region_code as {{ dbt.type_string() }}) as survey_region_code,
    {%- for name in spinnenweb_elements() %}
    cast(responses.spinnenweb_{{ name }} as {{ dbt.type_int() }})
        as spinnenweb_{{ name }}_score
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
    from responses
    inner join employers
        on responses.employer_id = employers.employer_id
        and responses.wave >= employers.since_quarter
        and (employers.until_quarter is null or responses.wave <= employers.until_quarter)

)

select * from final
