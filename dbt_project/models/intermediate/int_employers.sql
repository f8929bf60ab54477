-- Each employer once (of the placements, and every participating one): the region and the
-- sector type and size class its benchmarks compare it with, and whether and when it takes
-- part. A participating employer's region is the one it takes part in; another's the
-- region of most of its placements. Sector type and size class are the most frequent among
-- its placements. Definitions: int_employers.yml.

with

placements as (

    select * from {{ ref('int_employer_placements') }}

),

participants as (

    select * from {{ ref('stg_participation__employers') }}

),

employer_ids as (

    select employer_id from placements
    union
    select employer_id from participants

),

regions as (

    {{ most_frequent('placements', 'employer_id', 'region_code') }}

),

sector_kinds as (

    {{ most_frequent('placements', 'employer_id', 'sector_kind') }}

),

size_classes as (

    {{ most_frequent('placements', 'employer_id', 'size_class') }}

),

final as (

    select
        employer_ids.employer_id,
        coalesce(participants.region_code, regions.region_code) as region_code,
        coalesce(sector_kinds.sector_kind, 'onbekend') as sector_kind,
        coalesce(size_classes.size_class, 'onbekend') as size_class,
        participants.employer_id is not null as is_participating,
        participants.since_quarter,
        participants.until_quarter
    from employer_ids
    left join participants
        on employer_ids.employer_id = participants.employer_id
    left join regions
        on employer_ids.employer_id = regions.employer_id
    left join sector_kinds
        on employer_ids.employer_id = sector_kinds.employer_id
    left join size_classes
        on employer_ids.employer_id = size_classes.employer_id

)

select * from final
