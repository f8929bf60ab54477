-- One row per placement per extract quarter, as loaded into raw.placements: English names,
-- proper types, nothing else. The current state of a placement is in int_placements.

with

source as (

    select * from {{ source('raw', 'placements') }}

),

renamed as (

    select
        cast(quarter as {{ dbt.type_string() }}) as extract_quarter,
        cast(plaatsing_id as {{ dbt.type_string() }}) as placement_id,
        cast(persoon_id as {{ dbt.type_string() }}) as person_id,
        cast(gemeente_code as {{ dbt.type_string() }}) as municipality_code,
        cast(werkgever_id as {{ dbt.type_string() }}) as employer_id,
        cast(werkgever_grootte as {{ dbt.type_string() }}) as employer_size,
        cast(sector as {{ dbt.type_string() }}) as sector,
        cast(sector_type as {{ dbt.type_string() }}) as sector_kind,
        cast(startdatum as date) as start_date,
        cast(einddatum as date) as end_date,
        cast(reden_einde as {{ dbt.type_string() }}) as end_reason,
        cast(contractvorm as {{ dbt.type_string() }}) as contract_type,
        cast(uren_per_week as {{ type_double() }}) as hours_per_week,
        cast(grondslag as {{ dbt.type_string() }}) as legal_basis,
        {%- for source_column, column in [
            ('loonkostensubsidie', 'wage_cost_subsidy'),
            ('jobcoach', 'jobcoach'),
            ('no_riskpolis', 'no_risk_policy'),
            ('werkplekaanpassing', 'workplace_adaptation'),
            ('proefplaatsing', 'trial_placement'),
            ('arbeidsdeskundige', 'labour_expert'),
        ] %}
        case {{ source_column }} when 'ja' then true when 'nee' then false end as {{ column }},
        {%- endfor %}
        cast(_load_id as {{ dbt.type_string() }}) as load_id,
        cast(_row_number as {{ dbt.type_int() }}) as source_row_number,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from source

),

final as (

    select * from renamed

)

select * from final
