-- One row per placement per wave, as loaded into raw.followup_survey.

with

source as (

    select * from {{ source('raw_followup_survey', 'followup_survey') }}

),

renamed as (

    select
        cast(quarter as {{ dbt.type_string() }}) as survey_quarter,
        cast(plaatsing_id as {{ dbt.type_string() }}) as placement_id,
        cast(golf as {{ dbt.type_string() }}) as wave,
        cast(golf_nummer as {{ dbt.type_int() }}) as wave_number,
        cast(datum as date) as surveyed_on,
        cast(nog_in_dienst as boolean) as still_employed,
        cast(contractvorm as {{ dbt.type_string() }}) as contract_type,
        cast(rol_arbeidsdeskundige as {{ dbt.type_string() }}) as labour_expert_role,
        {%- for option in followup_support_options() %}
        cast(ondersteuning_{{ option }} as boolean) as support_{{ option }},
        {%- endfor %}
        {%- for option in followup_disruption_options() %}
        cast(verstoring_{{ option }} as boolean) as disruption_{{ option }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from source

),

final as (

    select * from renamed

)

select * from final
