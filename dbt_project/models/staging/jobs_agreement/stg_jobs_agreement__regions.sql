-- One row per quarter x labour-market region, as loaded into raw.jobs_agreement.

with

source as (

    select * from {{ source('raw_jobs_agreement', 'jobs_agreement') }}

),

renamed as (

    select
        cast(quarter as {{ dbt.type_string() }}) as quarter,
        cast(regio_code as {{ dbt.type_string() }}) as region_code,
        cast(banen_marktsector as {{ type_double() }}) as jobs_market,
        cast(banen_overheid as {{ type_double() }}) as jobs_government,
        cast(doelstelling as {{ type_double() }}) as jobs_target
    from source

),

final as (

    select * from renamed

)

select * from final
