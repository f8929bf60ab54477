-- One row per quarter x municipality x legal basis, as loaded into raw.register.

with

source as (

    select * from {{ source('raw_register', 'register') }}

),

renamed as (

    select
        cast(quarter as {{ dbt.type_string() }}) as quarter,
        cast(gemeente_code as {{ dbt.type_string() }}) as municipality_code,
        cast(grondslag as {{ dbt.type_string() }}) as legal_basis,
        cast(voorlopig as boolean) as is_provisional,
        cast(personen_in_register as {{ dbt.type_bigint() }}) as persons_in_register,
        cast(personen_met_baan as {{ dbt.type_bigint() }}) as persons_working
    from source

),

final as (

    select * from renamed

)

select * from final
