-- The participating employers as the transform wrote them (participation.employers), with
-- proper types; casts only.

with

source as (

    select * from {{ source('participation', 'employers') }}

),

final as (

    select
        cast(employer_id as {{ dbt.type_string() }}) as employer_id,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(since_quarter as {{ dbt.type_string() }}) as since_quarter,
        cast(until_quarter as {{ dbt.type_string() }}) as until_quarter
    from source

)

select * from final
