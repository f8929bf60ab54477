-- One row per responding employer per wave, as loaded into raw.employer_survey.

with

source as (

    select * from {{ source('raw_employer_survey', 'employer_survey') }}

),

renamed as (

    select
        cast(quarter as {{ dbt.type_string() }}) as wave,
        cast(respondent_id as {{ dbt.type_string() }}) as respondent_id,
        cast(werkgever_id as {{ dbt.type_string() }}) as employer_id,
        cast(submitdate as {{ dbt.type_timestamp() }}) as submitted_at,
        cast(gemeente_code as {{ dbt.type_string() }}) as municipality_code,
        cast(werkgever_grootte as {{ dbt.type_string() }}) as employer_size,
        cast(sector as {{ dbt.type_string() }}) as sector,
        cast(perspectief as {{ dbt.type_string() }}) as perspective,
        cast(doelgroep_in_dienst as boolean) as employs_target_group,
        {%- for prefix, keys in employer_survey_options().items() %}
        {%- for key in keys %}
        cast({{ prefix }}_{{ key }} as boolean) as {{ prefix }}_{{ key }},
        {%- endfor %}
        {%- endfor %}
        {%- for element in spinnenweb_elements() %}
        cast(spinnenweb_{{ element }} as {{ dbt.type_int() }}) as spinnenweb_{{ element }},
        {%- endfor %}
        cast(interview as boolean) as willing_to_be_interviewed
    from source

),

final as (

    select * from renamed

)

select * from final
