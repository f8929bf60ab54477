-- The municipality reference (seed `municipalities`): one row per municipality code and
-- name, valid up to and including `last_year`.

with

source as (

    select * from {{ ref('municipalities') }}

),

renamed as (

    select
        cast(code as {{ dbt.type_string() }}) as municipality_code,
        cast(name as {{ dbt.type_string() }}) as municipality_name,
        cast(year as {{ dbt.type_int() }}) as last_year,
        cast(corop_code as {{ dbt.type_string() }}) as corop_code,
        cast(corop as {{ dbt.type_string() }}) as corop_name,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(region as {{ dbt.type_string() }}) as region_name,
        cast(province_code as {{ dbt.type_string() }}) as province_code,
        cast(province as {{ dbt.type_string() }}) as province_name

    from source

),

final as (

    select * from renamed

)

select * from final
