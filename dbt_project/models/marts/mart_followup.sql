-- The follow-up survey per region (and 'NL') x wave x labour-expert role: how many
-- placements were followed, how many were still in that job, what support they had and what
-- disrupted them, and the share of those in work at this wave still in work at the next.
-- A placement's region is the region of its in-work spell.

with

waves as (

    select * from {{ ref('stg_followup_survey__waves') }}

),

placement_regions as (

    select placement_spells.placement_id, spells.region_code
    from {{ ref('int_placement_spells') }} as placement_spells
    inner join {{ ref('int_spells') }} as spells
        on placement_spells.spell_id = spells.spell_id

),

with_next as (

    select
        waves.*,
        next_waves.still_employed as still_employed_next_wave
    from waves
    left join waves as next_waves
        on waves.placement_id = next_waves.placement_id
        and next_waves.wave_number = waves.wave_number + 1

),

regional as (

    select with_next.*, placement_regions.region_code
    from with_next
    inner join placement_regions
        on with_next.placement_id = placement_regions.placement_id
    where placement_regions.region_code is not null  -- no region: the country only

    union all

    select with_next.*, 'NL' as region_code
    from with_next

),

final as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(wave_number as {{ dbt.type_int() }}) as wave_number,
        cast(labour_expert_role as {{ dbt.type_string() }}) as labour_expert_role,
        cast(count(*) as {{ dbt.type_bigint() }}) as placements_followed,
        cast(sum(case when still_employed then 1 else 0 end) as {{ dbt.type_bigint() }})
            as still_employed,
        {%- for option in followup_support_options() %}
        {{ ratio('sum(case when support_' ~ option ~ ' then 1 else 0 end)', 'count(*)') }}
            as support_{{ option }}_share,
        {%- endfor %}
        {%- for option in followup_disruption_options() %}
        {{ ratio('sum(case when disruption_' ~ option ~ ' then 1 else 0 end)', 'count(*)') }}
            as disruption_{{ option }}_share,
        {%- endfor %}
        cast(sum(
            case when still_employed and still_employed_next_wave is not null then 1 else 0 end
        ) as {{ dbt.type_bigint() }}) as followed_to_next_wave,
        {{ ratio('sum(case when still_employed and still_employed_next_wave then 1 else 0 end)',
                 'sum(case when still_employed and still_employed_next_wave is not null
                           then 1 else 0 end)') }} as retention_to_next_wave
    from regional
    group by region_code, wave_number, labour_expert_role

)

select * from final
