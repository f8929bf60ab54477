-- The Cox model's estimates as the transform's fit step wrote them
-- (estimates.retention_effects), with proper types; casts only.

with

source as (

    select * from {{ source('estimates', 'retention_effects') }}

),

final as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(factor as {{ dbt.type_string() }}) as factor,
        cast(level as {{ dbt.type_string() }}) as level,
        cast(reference_level as {{ dbt.type_string() }}) as reference_level,
        cast(is_reference as boolean) as is_reference,
        cast(hazard_ratio as {{ type_double() }}) as hazard_ratio,
        cast(hr_ci_lower as {{ type_double() }}) as hr_ci_lower,
        cast(hr_ci_upper as {{ type_double() }}) as hr_ci_upper,
        cast(p_value as {{ type_double() }}) as p_value,
        cast(spells as {{ dbt.type_bigint() }}) as spells,
        cast(events as {{ dbt.type_bigint() }}) as events,
        cast(model_region_code as {{ dbt.type_string() }}) as model_region_code,
        cast(note as {{ dbt.type_string() }}) as note,
        cast(ph_chi2 as {{ type_double() }}) as ph_chi2,
        cast(ph_df as {{ dbt.type_int() }}) as ph_df,
        cast(ph_p_value as {{ type_double() }}) as ph_p_value,
        cast(ph_violated as boolean) as ph_violated,
        cast(model_spells as {{ dbt.type_bigint() }}) as model_spells,
        cast(model_events as {{ dbt.type_bigint() }}) as model_events,
        cast(model_run_id as {{ dbt.type_string() }}) as model_run_id
    from source

)

select * from final
