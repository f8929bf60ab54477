-- Each placement once, as the employer figures count it: its employer, the region of its
-- municipality in its start year, the employer's sector type and size class as the extract
-- gives them, the instruments it used, how it ended (int_job_ends: a job-to-job move or a
-- job loss, the one definition) and how long its person was in work from its start (the
-- in-work spell it belongs to, int_spells). Definitions: int_employer_placements.yml.
-- Person-level: it stays in the warehouse.

with

placements as (

    select * from {{ ref('int_placements') }}

),

placement_spells as (

    select placement_id, spell_id from {{ ref('int_placement_spells') }}

),

spells as (

    select spell_id, follow_up_end_date, is_event from {{ ref('int_spells') }}

),

job_ends as (

    select end_id, is_move from {{ ref('int_job_ends') }}

),

municipality_regions as (

    select * from {{ ref('int_municipality_regions') }}

),

final as (

    select
        placements.placement_id,
        placements.employer_id,
        municipality_regions.region_code,
        coalesce(placements.sector_kind, 'onbekend') as sector_kind,
        coalesce(placements.employer_size, 'onbekend') as size_class,
        placements.start_date,
        placements.end_date,
        {{ quarter_label('placements.start_date') }} as start_quarter,
        case
            when placements.end_date is not null then {{ quarter_label('placements.end_date') }}
        end as end_quarter,
        coalesce(not job_ends.is_move, false) as is_job_loss,
        coalesce(job_ends.is_move, false) as is_job_to_job_move,
        {%- for column, _ in employer_instruments() %}
        coalesce(placements.{{ column }}, false) as {{ column }},
        {%- endfor %}
        -- in work from the placement's start while its spell runs (retention's definition)
        {{ whole_months_between('placements.start_date', 'spells.follow_up_end_date') }}
            as duration_months,
        spells.is_event
    from placements
    inner join placement_spells
        on placements.placement_id = placement_spells.placement_id
    inner join spells
        on placement_spells.spell_id = spells.spell_id
    left join job_ends
        on placements.placement_id = job_ends.end_id
    left join municipality_regions
        on placements.municipality_code = municipality_regions.municipality_code
        and (
            extract(year from placements.start_date)
            between municipality_regions.valid_from_year and municipality_regions.valid_to_year
        )

)

select * from final
