-- Which labour-market region a municipality code belongs to in which years: one row per
-- reference row, valid from the year after the code's previous reference row (or from the
-- beginning) up to and including its last_year. Every model that maps a municipality to a
-- region in a given year joins here with `year between valid_from_year and valid_to_year`.

with

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

final as (

    select
        municipality_code,
        municipality_name,
        cast(coalesce(
            lag(last_year) over (partition by municipality_code order by last_year) + 1,
            0
        ) as {{ dbt.type_int() }}) as valid_from_year,
        last_year as valid_to_year,
        region_code,
        region_name
    from municipalities

)

select * from final
