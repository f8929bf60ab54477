-- One row per extract quarter present in raw.placements, with its calendar bounds.

with

extracts as (

    select
        extract_quarter,
        loaded_at
    from {{ ref('stg_placements__extracts') }}

),

quarters as (

    select
        extract_quarter as quarter,
        count(*) as placement_rows,
        max(loaded_at) as loaded_at
    from extracts
    group by extract_quarter

),

final as (

    select
        quarter,
        {{ quarter_start_date('quarter') }} as quarter_start,
        {{ quarter_end_date('quarter') }} as quarter_end,
        placement_rows,
        loaded_at
    from quarters

)

select * from final
