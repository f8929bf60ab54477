-- mart_retention_effects as published (docs/disclosure.md):
-- - the estimates: a reference level's hazard ratio is 1 by definition and shown (without an
--   interval); an estimate of the national model is shown on every region's rows (it gives
--   nothing of the region away); an estimate of a region's own model is withheld with its
--   interval and p-value when the level holds fewer job losses than the threshold ('n<10');
-- - spells: as pub_retention_factors publishes the same spells (one pattern for both); the
--   regions' spells as a factor of the national model protected like the job losses;
-- - job losses: below the threshold withheld ('<10'), and withheld to protect them ('x')
--   where they add up: the levels to the region's job losses (published as the region's row
--   of the national model), the regions to the country, job losses and the other spells to
--   the level's spells. The model's totals are shown as they are, above the threshold.

{%- set t = suppress_below() %}

with

mart as (

    select * from {{ ref('mart_retention_effects') }}

),

factor_spells as (

    select
        region_code,
        factor,
        level,
        spells,
        spells_suppressed
    from {{ ref('pub_retention_factors') }}

),

levels as (

    select
        mart.*,
        factor_spells.spells_suppressed as factor_spells_suppressed,
        factor_spells.region_code is not null as is_factor_level
    from mart
    left join factor_spells
        on mart.region_code = factor_spells.region_code
        and mart.factor = factor_spells.factor
        and mart.level = factor_spells.level

),

cells as (

    select
        region_code, factor, level, 'events' as measure, events as cell_value,
        true as can_hide, false as is_derived
    from levels
    union all
    -- the level's spells as pub_retention_factors publishes them (unknown where withheld);
    -- the regions as a factor of the national model are protected here
    select
        region_code, factor, level, 'spells' as measure, spells as cell_value,
        not is_factor_level as can_hide,
        coalesce(factor_spells_suppressed is not null, false) as is_derived
    from levels
    union all
    select
        region_code, factor, level, 'other_spells' as measure, spells - events as cell_value,
        false as can_hide, true as is_derived
    from levels
    {%- for measure in ['events', 'spells'] %}
    union all
    -- the region's total: its row of the region factor in the national model
    select
        region_code, factor, '*' as level, '{{ measure }}' as measure,
        cast(sum({{ measure }}) as {{ dbt.type_bigint() }}) as cell_value, false as can_hide,
        false as is_derived
    from levels
    group by region_code, factor
    {%- endfor %}

),

identified_cells as (

    select
        *,
        {{ dbt.concat(['region_code', "'|'", 'factor', "'|'", 'level', "'|'", 'measure']) }}
            as cell_id,
        false as is_withheld
    from cells

),

memberships as (

    -- the levels add up to the region's job losses and spells
    {{ sum_relation('levels', 'identified_cells', ['region_code', 'factor', 'measure'],
                    "level = '*'", "measure in ('events', 'spells')") }}

    union all

    -- the regions add up to the country
    {{ sum_relation('country', 'identified_cells', ['factor', 'level'],
                    "region_code = 'NL'", "measure = 'events'") }}

    union all

    -- job losses and the other spells add up to the level's spells
    {{ sum_relation('spells', 'identified_cells', ['region_code', 'factor', 'level'],
                    "measure = 'spells'", "level <> '*'") }}

),

pattern as (

    {{ secondary_suppression('identified_cells', 'memberships') }}

),

hidden as (

    {{ hidden_per_row('identified_cells', 'pattern', ['region_code', 'factor', 'level'],
                      ['events', 'spells']) }}

),

combined as (

    select
        levels.*,
        hidden.events_hidden,
        hidden.spells_hidden
    from levels
    inner join hidden
        on levels.region_code = hidden.region_code
        and levels.factor = hidden.factor
        and levels.level = hidden.level

),

final as (

    select
        region_code,
        factor,
        level,
        reference_level,
        is_reference,
        {{ published_estimate('hazard_ratio', 'hr_ci_lower', 'hr_ci_upper', 'events < ' ~ t) }},
        {{ protected_count('spells', 'spells_hidden') }},
        {{ protected_count('events', 'events_hidden') }},
        model_region_code,
        note,
        ph_chi2,
        ph_df,
        ph_p_value,
        ph_violated,
        {{ published_count('model_spells') }},
        {{ published_count('model_events') }},
        model_run_id
    from combined

)

select * from final
