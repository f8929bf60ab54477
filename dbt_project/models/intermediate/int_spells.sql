-- One row per in-work spell: start, end (null while running), the region of the
-- municipality of its first placement, and what survival analysis needs (duration in whole
-- months, event or censored). Definitions: int_spells.yml.

with

placement_spells as (

    select * from {{ ref('int_placement_spells') }}

),

observation as (

    select observation_end from {{ ref('int_observation_window') }}

),

municipality_regions as (

    select * from {{ ref('int_municipality_regions') }}

),

spells as (

    select
        spell_id,
        person_id,
        spell_number,
        min(start_date) as spell_start_date,
        case
            when sum(case when end_date is null then 1 else 0 end) > 0 then null
            else max(end_date)
        end as spell_end_date,
        count(*) as placement_count,
        sum(case when placement_kind = 'job_to_job' then 1 else 0 end) as job_to_job_moves
    from placement_spells
    group by spell_id, person_id, spell_number

),

first_placements as (

    select
        spell_id,
        placement_id as first_placement_id,
        municipality_code
    from placement_spells
    where placement_number_in_spell = 1

),

joined as (

    select
        spells.*,
        first_placements.first_placement_id,
        first_placements.municipality_code,
        -- the region of the municipality in the year the spell started
        municipality_regions.region_code,
        municipality_regions.region_name,
        observation.observation_end,
        -- the spell counts as ended only once its end lies within the observation window
        (
            spells.spell_end_date is not null
            and spells.spell_end_date <= observation.observation_end
        ) as is_ended
    from spells
    inner join first_placements
        on spells.spell_id = first_placements.spell_id
    left join municipality_regions
        on first_placements.municipality_code = municipality_regions.municipality_code
        and (
            extract(year from spells.spell_start_date)
            between municipality_regions.valid_from_year and municipality_regions.valid_to_year
        )
    cross join observation

),

-- A spell is followed up to its end when that has been observed, else to the observation end.
followed as (

    select
        *,
        case when is_ended then spell_end_date else observation_end end as follow_up_end_date
    from joined

),

final as (

    select
        spell_id,
        person_id,
        cast(spell_number as {{ dbt.type_int() }}) as spell_number,
        spell_start_date,
        spell_end_date,
        {{ quarter_label('spell_start_date') }} as start_quarter,
        case when spell_end_date is not null then {{ quarter_label('spell_end_date') }} end
            as end_quarter,
        cast(placement_count as {{ dbt.type_int() }}) as placement_count,
        cast(job_to_job_moves as {{ dbt.type_int() }}) as job_to_job_moves,
        first_placement_id,
        municipality_code,
        region_code,
        region_name,
        (
            spell_end_date is not null
            and {{ add_months('spell_end_date', 3) }} > observation_end
        ) as is_provisional_end,
        follow_up_end_date,
        {{ whole_months_between('spell_start_date', 'follow_up_end_date') }} as duration_months,
        is_ended as is_event
    from followed

)

select * from final
