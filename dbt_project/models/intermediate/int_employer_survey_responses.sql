-- Each response of the employer survey with the region it counts in: its municipality's
-- region in the wave's year, null where the municipality has none then (the response counts
-- in the country's figures only). Definitions: int_employer_survey_responses.yml.

with

responses as (

    select * from {{ ref('stg_employer_survey__responses') }}

),

municipality_regions as (

    select * from {{ ref('int_municipality_regions') }}
    where region_code is not null

),

final as (

    select
        responses.wave,
        responses.respondent_id,
        responses.employer_id,
        responses.submitted_at,
        responses.municipality_code,
        responses.employer_size,
        responses.sector,
        responses.perspective,
        responses.employs_target_group,
        {%- for prefix, keys in employer_survey_options().items() %}
        {%- for key in keys %}
        responses.{{ prefix }}_{{ key }},
        {%- endfor %}
        {%- endfor %}
        {%- for element in spinnenweb_elements() %}
        responses.spinnenweb_{{ element }},
        {%- endfor %}
        responses.willing_to_be_interviewed,
        municipality_regions.region_code as survey_region_code
    from responses
    left join municipality_regions
        on responses.municipality_code = municipality_regions.municipality_code
        and (
            cast(substring(responses.wave, 1, 4) as {{ dbt.type_int() }})
            between municipality_regions.valid_from_year and municipality_regions.valid_to_year
        )

)

select * from final
