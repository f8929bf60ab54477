-- Each placement with the in-work spell it belongs to and its kind (spell start, job-to-job
-- move or concurrent job). Definitions: its description in int_placement_spells.yml.

with

placements as (

    select
        placement_id,
        person_id,
        municipality_code,
        start_date,
        end_date
    from {{ ref('int_placements') }}

),

-- What the person's earlier placements (in start order) look like at this placement's start.
with_earlier as (

    select
        *,
        row_number() over person_order as person_placement_number,
        max(end_date) over earlier_placements as earlier_latest_end_date,
        coalesce(
            sum(case when end_date is null then 1 else 0 end) over earlier_placements, 0
        ) as earlier_running_placements
    from placements
    window
        person_order as (partition by person_id order by start_date, placement_id),
        earlier_placements as (
            partition by person_id
            order by start_date, placement_id
            rows between unbounded preceding and 1 preceding
        )

),

-- A placement starts a new spell when it is the person's first, or when every earlier
-- placement has ended and it starts more than 3 months after the latest of those ends.
flagged as (

    select
        *,
        case
            when person_placement_number = 1 then true
            when earlier_running_placements > 0 then false
            when start_date > {{ add_months('earlier_latest_end_date', 3) }} then true
            else false
        end as starts_spell
    from with_earlier

),

numbered as (

    select
        *,
        sum(case when starts_spell then 1 else 0 end) over (
            partition by person_id
            order by start_date, placement_id
            rows between unbounded preceding and current row
        ) as spell_number
    from flagged

),

-- For a placement that does not start a spell, the person's earlier placements in earlier
-- spells all ended before this spell began, so "earlier placements of the person" and
-- "earlier placements of the spell" have the same latest end and running count.
final as (

    select
        placement_id,
        person_id,
        {{ dbt.concat(["person_id", "'-'", "cast(spell_number as " ~ dbt.type_string() ~ ")"]) }}
            as spell_id,
        cast(spell_number as {{ dbt.type_int() }}) as spell_number,
        cast(row_number() over (
            partition by person_id, spell_number
            order by start_date, placement_id
        ) as {{ dbt.type_int() }}) as placement_number_in_spell,
        case
            when starts_spell then 'spell_start'
            when earlier_running_placements = 0 and start_date >= earlier_latest_end_date
                then 'job_to_job'
            else 'concurrent'
        end as placement_kind,
        municipality_code,
        start_date,
        end_date,
        {{ quarter_label('start_date') }} as start_quarter,
        earlier_latest_end_date,
        cast(earlier_running_placements as {{ dbt.type_int() }}) as earlier_running_placements
    from numbered

)

select * from final
