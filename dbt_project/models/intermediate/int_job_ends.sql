-- Each end of a job in an in-work spell, once: a job-to-job move (the next placement is one
-- that int_placement_spells counts as 'job_to_job': it starts within 3 months of the end, the
-- one place that rule lives) or a job loss (the spell ends: int_spells). With the factors of
-- the job that ended, the length of the spell at its end and, after a loss, how soon the next
-- job came. Definitions: int_job_ends.yml. Person-level: it stays in the warehouse.

with

placement_spells as (

    select * from {{ ref('int_placement_spells') }}

),

spells as (

    select * from {{ ref('int_spells') }}

),

placements as (

    select * from {{ ref('int_placements') }}

),

observation as (

    select observation_start, observation_end from {{ ref('int_observation_window') }}

),

-- a job-to-job placement ends the jobs before it in its spell on their latest end
moves as (

    select
        spell_id,
        earlier_latest_end_date as end_date,
        start_date as next_start_date,
        true as is_move
    from placement_spells
    where placement_kind = 'job_to_job'

),

losses as (

    select
        spells.spell_id,
        spells.spell_end_date as end_date,
        next_spells.spell_start_date as next_start_date,
        false as is_move
    from spells
    left join spells as next_spells
        on spells.person_id = next_spells.person_id
        and next_spells.spell_number = spells.spell_number + 1
    where spells.spell_end_date is not null

),

ends as (

    select * from moves
    union all
    select * from losses

),

-- the job that ended: the spell's placement ending that day (among equals the last by id)
ending_jobs as (

    select
        ends.*,
        placement_spells.placement_id as end_id,
        row_number() over (
            partition by ends.spell_id, ends.end_date
            order by placement_spells.placement_id desc
        ) as job_rank
    from ends
    inner join placement_spells
        on ends.spell_id = placement_spells.spell_id
        and ends.end_date = placement_spells.end_date

),

joined as (

    select
        ending_jobs.end_id,
        ending_jobs.spell_id,
        ending_jobs.end_date,
        ending_jobs.next_start_date,
        ending_jobs.is_move,
        spells.region_code,
        spells.spell_start_date,
        placements.end_reason,
        {% for factor, level in factor_levels() %}
        {{ level }} as {{ factor }},
        {% endfor %}
        {{ whole_months_between('spells.spell_start_date', 'ending_jobs.end_date') }}
            as spell_months,
        observation.observation_end,
        -- the outcome is known once 3 months after the end lie within the observation window
        (
            ending_jobs.end_date >= observation.observation_start
            and {{ add_months('ending_jobs.end_date', 3) }} <= observation.observation_end
        ) as is_outcome_known
    from ending_jobs
    inner join spells
        on ending_jobs.spell_id = spells.spell_id
    inner join placements
        on ending_jobs.end_id = placements.placement_id
    cross join observation
    where ending_jobs.job_rank = 1

),

final as (

    select
        end_id,
        spell_id,
        region_code,
        end_date,
        {{ quarter_label('end_date') }} as end_quarter,
        cast(extract(year from end_date) as {{ dbt.type_int() }}) as end_year,
        next_start_date,
        is_move,
        is_outcome_known,
        -- how soon the next job came: a move within 3 months; after a loss in bands, known
        -- only once the band's end has been observed without a new job
        case
            when is_move then '0-3'
            when next_start_date <= {{ add_months('end_date', 6) }} then '3-6'
            when next_start_date <= {{ add_months('end_date', 12) }} then '6-12'
            when {{ add_months('end_date', 12) }} <= observation_end then 'niet binnen 12'
            else 'nog onbekend'
        end as months_to_next_job,
        spell_months,
        case
            when spell_months < 6 then '0-6'
            when spell_months < 12 then '6-12'
            when spell_months < 24 then '12-24'
            else '24+'
        end as spell_length_band,
        end_reason,
        {%- for factor, _ in factor_levels() %}
        cast({{ factor }} as {{ dbt.type_string() }}) as {{ factor }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from joined

)

select * from final
