-- Each factor's hazard ratio of a job loss with the other factors held equal: the Cox model
-- of the in-work spells (plugins/duurzaam/effects, fitted on int_effect_spells in the
-- transform right before this model), per region and for the country ('NL'), with its 95%
-- interval and the proportional-hazards check of the factor, as staged
-- (stg_estimates__retention_effects).

with

estimates as (

    select * from {{ ref('stg_estimates__retention_effects') }}

),

final as (

    select
        region_code,
        factor,
        level,
        reference_level,
        is_reference,
        hazard_ratio,
        hr_ci_lower,
        hr_ci_upper,
        p_value,
        spells,
        events,
        model_region_code,
        note,
        ph_chi2,
        ph_df,
        ph_p_value,
        ph_violated,
        model_spells,
        model_events,
        model_run_id
    from estimates

)

select * from final
