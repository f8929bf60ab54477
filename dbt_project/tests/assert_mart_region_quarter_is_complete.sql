-- mart_region_quarter has a row for every labour-market region of the reference and every
-- extract quarter loaded (also when all its counts are 0). Returns the missing pairs.

with

regions as (

    select distinct region_code
    from {{ ref('stg_reference__municipalities') }}
    where region_code is not null

),

quarters as (

    select quarter from {{ ref('int_extract_quarters') }}

),

mart as (

    select region_code, quarter from {{ ref('mart_region_quarter') }}

)

select regions.region_code, quarters.quarter
from regions
cross join quarters
left join mart
    on regions.region_code = mart.region_code
    and quarters.quarter = mart.quarter
where mart.region_code is null
