{{ config(severity='warn') }}
-- Each extract holds placements that started in or were running during its quarter, with
-- their state at the end of the quarter. Rows that do not fit (start after the quarter, end
-- before it, or an end date after it) point at a faulty extract; they still flow through.
--
-- A warning, not an error: the models rely on each row's dates, not on its extract quarter
-- (an end after the observation end is censored in int_spells), so the figures stay
-- consistent; the rows point at an extract to query with its supplier.

with

extracts as (

    select
        extract_quarter,
        placement_id,
        start_date,
        end_date,
        {{ quarter_start_date('extract_quarter') }} as quarter_start,
        {{ quarter_end_date('extract_quarter') }} as quarter_end
    from {{ ref('stg_placements__extracts') }}

)

select *
from extracts
where start_date > quarter_end
    or end_date < quarter_start
    or end_date > quarter_end
