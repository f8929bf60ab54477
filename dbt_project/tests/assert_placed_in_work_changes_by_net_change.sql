-- The stock of placed people in work (person-quarter panel) and the flows (spells started
-- and ended) are counted independently; from one loaded quarter to the next the stock must
-- change by exactly the quarter's net change. Returns the region-quarters where it does not.

with

mart as (

    select
        region_code,
        quarter,
        placed_in_work,
        net_change,
        lag(placed_in_work) over (partition by region_code order by quarter)
            as previous_placed_in_work
    from {{ ref('mart_region_quarter') }}

)

select *
from mart
where previous_placed_in_work is not null
    and placed_in_work - previous_placed_in_work <> net_change
