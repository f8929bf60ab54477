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
{%- set few_outcomes = 'moves < ' ~ t ~ ' or ends - moves < ' ~ t %}

with

mart as (

    select * from {{ ref('mart_move_effects') }}

),

final as (

    select
        region_code,
        factor,
        level,
        reference_level,
        is_reference,
        {{ published_estimate('odds_ratio', 'or_ci_lower', 'or_ci_upper', few_outcomes) }},
        model_region_code,
        note,
        {{ published_count('model_ends') }},
        {{ published_count('model_moves') }},
        model_run_id
    from mart

)

select * from final
