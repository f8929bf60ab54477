-- The move-effects model's estimates as the transform's fit step wrote them
-- (estimates.move_effects), with proper types; casts only.

with

source as (

    select * from {{ source('estimates', 'move_effects') }}

),

final as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(factor as {{ dbt.type_string() }}) as factor,
        cast(level as {{ dbt.type_string() }}) as level,
        cast(reference_level as {{ dbt.type_string() }}) as reference_level,
        cast(is_reference as boolean) as is_reference,
        cast(odds_ratio as {{ type_double() }}) as odds_ratio,
        cast(or_ci_lower as {{ type_double() }}) as or_ci_lower,
        cast(or_ci_upper as {{ type_double() }}) as or_ci_upper,
        cast(p_value as {{ type_double() }}) as p_value,
        cast(ends as {{ dbt.type_bigint() }}) as ends,
        cast(moves as {{ dbt.type_bigint() }}) as moves,
        cast(model_region_code as {{ dbt.type_string() }}) as model_region_code,
        cast(note as {{ dbt.type_string() }}) as note,
        cast(model_ends as {{ dbt.type_bigint() }}) as model_ends,
        cast(model_moves as {{ dbt.type_bigint() }}) as model_moves,
        cast(model_run_id as {{ dbt.type_string() }}) as model_run_id
    from source

)

select * from final
