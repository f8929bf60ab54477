-- The current state of each placement: its row from the latest extract quarter it appears in.

with

extracts as (

    select * from {{ ref('stg_placements__extracts') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by placement_id
            order by extract_quarter desc, loaded_at desc, source_row_number desc
        ) as recency_rank,
        min(extract_quarter) over (partition by placement_id) as first_extract_quarter,
        count(*) over (partition by placement_id) as extract_count
    from extracts

),

final as (

    select
        placement_id,
        person_id,
        municipality_code,
        employer_id,
        employer_size,
        sector,
        sector_kind,
        start_date,
        end_date,
        end_reason,
        contract_type,
        hours_per_week,
        -- the hours bands of the retention factors; a band includes its lower edge
        case
            when hours_per_week < 12 then '<12'
            when hours_per_week < 24 then '12-24'
            when hours_per_week < 32 then '24-32'
            else '32+'
        end as hours_band,
        legal_basis,
        wage_cost_subsidy,
        jobcoach,
        no_risk_policy,
        workplace_adaptation,
        trial_placement,
        labour_expert,
        first_extract_quarter,
        extract_quarter as last_extract_quarter,
        extract_count,
        load_id,
        loaded_at
    from ranked
    where recency_rank = 1

)

select * from final
