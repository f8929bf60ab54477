-- The person-quarter panel: one row per person and extract quarter in which one of their
-- in-work spells runs (at least one day in the quarter), with the spell, its region and what
-- happened to it in that quarter. Quarters are those of the observation window, so spells
-- that started before the first extract appear from the first quarter on.

with

spells as (

    select * from {{ ref('int_spells') }}

),

quarters as (

    select quarter, quarter_start, quarter_end from {{ ref('int_extract_quarters') }}

),

final as (

    select
        spells.person_id,
        quarters.quarter,
        spells.spell_id,
        spells.region_code,
        spells.start_quarter = quarters.quarter as is_spell_start,
        coalesce(spells.end_quarter = quarters.quarter, false) as is_spell_end,
        (
            spells.spell_end_date is null
            or spells.spell_end_date > quarters.quarter_end
        ) as is_in_work_at_quarter_end
    from spells
    inner join quarters
        on spells.spell_start_date <= quarters.quarter_end
        and (spells.spell_end_date is null or spells.spell_end_date >= quarters.quarter_start)

)

select * from final
