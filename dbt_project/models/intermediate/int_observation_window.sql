-- The observation window of the placement data: from the start of the first loaded extract
-- quarter to the end of the latest one. The one place that defines the observation end.
-- No row at all while raw.placements is empty.

with

quarters as (

    select * from {{ ref('int_extract_quarters') }}

),

window_bounds as (

    select
        min(quarter) as first_quarter,
        max(quarter) as last_quarter,
        count(*) as quarter_count,
        min(quarter_start) as observation_start,
        max(quarter_end) as observation_end
    from quarters
    having count(*) > 0

),

final as (

    select
        first_quarter,
        last_quarter,
        quarter_count,
        observation_start,
        observation_end,
        -- every quarter between the first and the last one has been loaded
        (
            quarter_count * 3
            = {{ whole_months_between('observation_start', add_days('observation_end', 1)) }}
        ) as is_contiguous
    from window_bounds

)

select * from final
