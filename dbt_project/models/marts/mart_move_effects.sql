-- Each factor's odds ratio of a move from work to work (a new job within 3 months of the
-- end) with the other factors held equal: the logistic model of the ends of int_job_ends
-- (plugins/duurzaam/effects/moves.py, fitted in the transform right before this model), per
-- region and for the country ('NL'), with its 95% interval, as staged
-- (stg_estimates__move_effects).

with

estimates as (

    select * from {{ ref('stg_estimates__move_effects') }}

),

final as (

    select
        region_code,
        factor,
        level,
        reference_level,
        is_reference,
        odds_ratio,
        or_ci_lower,
        or_ci_upper,
        p_value,
        ends,
        moves,
        model_region_code,
        note,
        model_ends,
        model_moves,
        model_run_id
    from estimates

)

select * from final
