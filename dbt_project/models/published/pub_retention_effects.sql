-- mart_retention_effects as published: an estimate over fewer job losses than the threshold
-- is withheld with its interval and p-value ('n<10'), and so are spells and job losses below
-- it ('<10'), as are the model's totals. The proportional-hazards check is shown as it is.

with

mart as (

    select * from {{ ref('mart_retention_effects') }}

),

final as (

    select
        region_code,
        factor,
        level,
        reference_level,
        is_reference,
        {{ published_rate('hazard_ratio', 'events') }},
        {{ published_rate('hr_ci_lower', 'events') }},
        {{ published_rate('hr_ci_upper', 'events') }},
        {{ published_rate('p_value', 'events') }},
        {{ published_count('spells') }},
        {{ published_count('events') }},
        model_region_code,
        note,
        ph_chi2,
        ph_df,
        ph_p_value,
        ph_violated,
        {{ published_count('model_spells') }},
        {{ published_count('model_events') }},
        model_run_id
    from mart

)

select * from final
