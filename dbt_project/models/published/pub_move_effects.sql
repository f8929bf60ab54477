-- mart_move_effects as published (docs/disclosure.md):
-- - the estimates: a reference level's odds ratio is 1 by definition and shown (without an
--   interval); an estimate of the national model is shown on every region's rows (it gives
--   nothing of the region away); an estimate of a region's own model is withheld with its
--   interval and p-value when the level holds fewer moves or fewer job losses than the
--   threshold ('n<10');
-- - the counts per level are not repeated (pub_move_factors publishes them under its
--   protection); the model's totals are shown as they are, above the threshold: the
--   country's, or a region's own (which pub_move_factors treats as known, as the total of
--   any factor shown whole).

{%- set t = suppress_below() %}

with

mart as (

    select * from {{ ref('mart_move_effects') }}

),

combined as (

    select
        *,
        {#- the estimate of a region's own model over few moves or few losses #}
        not is_reference
        and model_region_code = region_code
        and (moves < {{ t }} or ends - moves < {{ t }}) as estimate_small
    from mart

),

final as (

    select
        region_code,
        factor,
        level,
        reference_level,
        is_reference,
        case when estimate_small then null else odds_ratio end as odds_ratio,
        case when estimate_small then 'n<{{ t }}' end as odds_ratio_suppressed,
        {%- for column in ['or_ci_lower', 'or_ci_upper', 'p_value'] %}
        case when estimate_small or is_reference then null else {{ column }} end
            as {{ column }},
        case when estimate_small and {{ column }} is not null then 'n<{{ t }}' end
            as {{ column }}_suppressed,
        {%- endfor %}
        model_region_code,
        note,
        {{ published_count('model_ends') }},
        {{ published_count('model_moves') }},
        model_run_id
    from combined

)

select * from final
