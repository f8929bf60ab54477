-- mart_employer_benchmarks as published (docs/disclosure.md, "Employer reports"): the figures
-- of all employers of a region, and of a sector type x size class, that a participating
-- employer's report shows beside its own (pub_employer_quarter), for those reports only (not
-- on the dashboard, not in the open-data export). A benchmark includes the employer reading
-- it, who can subtract its own figures:
-- - a figure over fewer than the threshold of other employers is withheld ('x'): the flows
--   where the employers active in the quarter minus one are fewer, the rolling year's
--   figures (its placements, retention, instruments) where the employers with a placement
--   started in it minus one are; the number of employers itself likewise;
-- - a count of people below the threshold withheld ('<10'), and protected ('x',
--   macros/secondary_suppression.sql) in every sum a reader knows: a benchmark is the
--   published figures of its participating employers plus those of the others (never
--   published, so never fewer than the threshold alone); the regions (and the employers of
--   no region) add up to all employers, and so do the sector types x size classes (all
--   employers taken as known: their job losses are the country's in pub_region_quarter);
--   a rolling year's placements are those of its four quarters, with and without each
--   instrument; retention's job losses and placements still followed (which a shown rate
--   gives) add up the same way;
-- - a region's job losses withheld wherever pub_region_quarter withholds the region's: where
--   employers place the people of their own region they are the same count;
-- - the number in work rounded to 10; retention and instrument shares under the rules of
--   pub_employer_quarter.

{%- set t = suppress_below() %}
{%- set instrument_counts = employer_instrument_counts() %}
{%- set retention_counts = ['retention_6m_losses', 'retention_6m_followed',
                            'retention_12m_losses', 'retention_12m_followed'] %}
{%- set flows = ['placements_started', 'job_losses', 'job_to_job_moves'] %}
{%- set rolling = ['rolling_year_placements'] + instrument_counts + retention_counts %}
{%- set employer_measures = flows + rolling %}
{%- set measures = ['employers', 'rolling_year_employers'] + employer_measures %}

with

mart as (

    select
        benchmarks.*,
        {{ dbt.concat(['benchmarks.benchmark', "':'", 'benchmarks.scope']) }} as unit,
        {{ quarter_index('benchmarks.quarter') }} as quarter_position,
        benchmarks.employers - 1 < {{ t }} as has_few_employers,
        coalesce(benchmarks.rolling_year_employers - 1 < {{ t }}, false)
            as has_few_rolling_year_employers,
        -- where every employer places the people of its own region (as in the synthetic
        -- data), a region's benchmark counts the region's job losses: withheld with them
        coalesce(regions.job_losses_suppressed is not null, false) as has_region_withheld
    from {{ ref('mart_employer_benchmarks') }} as benchmarks
    left join {{ ref('pub_region_quarter') }} as regions
        on benchmarks.benchmark = 'region'
        and benchmarks.region_code = regions.region_code
        and benchmarks.quarter = regions.quarter

),

-- the participating employers' rows as published: exact values, and whether shown
employer_rows as (

    select
        exact.*,
        {{ dbt.concat(["'region:'", 'exact.region_code']) }} as region_unit,
        {{ dbt.concat(["'sector_size:'", 'exact.sector_kind', "' '", 'exact.size_class']) }}
            as sector_size_unit,
        {%- for measure in flows + ['rolling_year_placements'] + instrument_counts %}
        published.{{ measure }} is null as {{ measure }}_withheld,
        {%- endfor %}
        published.retention_6m is null as retention_6m_withheld,
        published.retention_12m is null as retention_12m_withheld
    from {{ ref('mart_employer_quarter') }} as exact
    inner join {{ ref('pub_employer_quarter') }} as published
        on exact.employer_id = published.employer_id
        and exact.quarter = published.quarter

),

benchmark_cells as (

    {%- for measure in measures %}
    select
        unit, benchmark, quarter, quarter_position, '{{ measure }}' as measure,
        {{ measure }} as cell_value, true as can_hide, false as is_derived,
        {%- if measure in ['employers', 'rolling_year_employers'] %}
        {{ measure }} - 1 < {{ t }} as is_withheld
        {%- elif measure == 'job_losses' %}
        has_few_employers or has_region_withheld as is_withheld
        {%- elif measure in flows %}
        has_few_employers as is_withheld
        {%- elif measure in retention_counts %}
        {%- set k = measure.split('_')[1] %}
        has_few_rolling_year_employers
        or retention_{{ k }}_losses < {{ t }} or retention_{{ k }}_followed < {{ t }}
            as is_withheld
        {%- else %}
        has_few_rolling_year_employers as is_withheld
        {%- endif %}
    from mart
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

employer_cells as (

    {%- for measure in employer_measures %}
    {%- set withheld = (measure.split('_')[0] ~ '_' ~ measure.split('_')[1] ~ '_withheld')
                       if measure in retention_counts else measure ~ '_withheld' %}
    select
        employer_id as unit, region_unit, sector_size_unit, quarter,
        '{{ measure }}' as measure, {{ measure }} as cell_value, {{ withheld }} as is_withheld
    from employer_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

-- all employers: the sum of the sector types x size classes, taken as known
totals as (

    select quarter, measure, sum(cell_value) as cell_value
    from benchmark_cells
    where benchmark = 'sector_size'
    group by quarter, measure

),

cells as (

    select
        unit, unit as scope_unit, null as second_scope_unit, benchmark, quarter,
        quarter_position, measure, cell_value, can_hide, is_derived, is_withheld
    from benchmark_cells
    union all
    {%- for column in instrument_counts %}
    select
        unit, null as scope_unit, null as second_scope_unit, benchmark, quarter,
        quarter_position, 'without_{{ column }}' as measure,
        rolling_year_placements - {{ column }} as cell_value,
        false as can_hide, true as is_derived, false as is_withheld
    from mart
    union all
    {%- endfor %}
    select
        unit, region_unit as scope_unit, sector_size_unit as second_scope_unit,
        'employer' as benchmark, quarter, null as quarter_position, measure, cell_value,
        false as can_hide, false as is_derived, is_withheld
    from employer_cells
    union all
    -- the others of a benchmark: never published
    select
        {{ dbt.concat(["'others of '", 'benchmark_cells.unit']) }} as unit,
        benchmark_cells.unit as scope_unit, null as second_scope_unit,
        'others' as benchmark, benchmark_cells.quarter, null as quarter_position,
        benchmark_cells.measure,
        benchmark_cells.cell_value - coalesce(sum(employer_cells.cell_value), 0) as cell_value,
        false as can_hide, true as is_derived, false as is_withheld
    from benchmark_cells
    left join employer_cells
        on benchmark_cells.quarter = employer_cells.quarter
        and benchmark_cells.measure = employer_cells.measure
        and benchmark_cells.unit in (employer_cells.region_unit, employer_cells.sector_size_unit)
    where benchmark_cells.measure not in ('employers', 'rolling_year_employers')
    group by
        benchmark_cells.unit, benchmark_cells.quarter, benchmark_cells.measure,
        benchmark_cells.cell_value
    union all
    select
        'all' as unit, null as scope_unit, null as second_scope_unit, 'all' as benchmark,
        quarter, null as quarter_position, measure, cell_value,
        false as can_hide, false as is_derived, false as is_withheld
    from totals
    union all
    -- the employers of no region: all minus the regions, never published (where any)
    select
        'no region' as unit, null as scope_unit, null as second_scope_unit,
        'region' as benchmark, totals.quarter, null as quarter_position, totals.measure,
        totals.cell_value - sum(benchmark_cells.cell_value) as cell_value,
        false as can_hide, true as is_derived, false as is_withheld
    from totals
    inner join benchmark_cells
        on totals.quarter = benchmark_cells.quarter
        and totals.measure = benchmark_cells.measure
        and benchmark_cells.benchmark = 'region'
    group by totals.quarter, totals.measure, totals.cell_value
    having totals.cell_value > sum(benchmark_cells.cell_value)

),

kinds as (

    select 'region' as benchmark
    union all
    select 'sector_size' as benchmark

),

identified_cells as (

    select
        *,
        {{ dbt.concat(['unit', "'|'", 'quarter', "'|'", 'measure']) }} as cell_id
    from cells
    where cell_value is not null

),

memberships as (

    -- a benchmark is its participating employers plus the others
    select
        {{ dbt.concat(["'scope|'", 'scope_unit', "'|'", 'quarter', "'|'", 'measure']) }}
            as group_id,
        cell_id,
        unit = scope_unit as is_total
    from identified_cells
    where scope_unit is not null

    union all

    select
        {{ dbt.concat(["'scope|'", 'second_scope_unit', "'|'", 'quarter', "'|'", 'measure']) }}
            as group_id,
        cell_id,
        false as is_total
    from identified_cells
    where second_scope_unit is not null

    union all

    -- the regions, and the sector types x size classes, add up to all employers
    select
        {{ dbt.concat(["'all|'", 'kinds.benchmark', "'|'", 'cells.quarter', "'|'",
                       'cells.measure']) }} as group_id,
        cells.cell_id,
        cells.benchmark = 'all' as is_total
    from identified_cells as cells
    inner join kinds
        on cells.benchmark in (kinds.benchmark, 'all')
    where cells.measure not like 'without_%'

    union all

    {{ rolling_year_relation('identified_cells') }}

    {%- for column in instrument_counts %}

    union all

    -- the rolling year's placements with and without the instrument
    {{ sum_relation(column, 'identified_cells', ['unit', 'quarter'],
                    "measure = 'rolling_year_placements'",
                    "benchmark in ('region', 'sector_size') and measure in "
                    ~ "('rolling_year_placements', '" ~ column ~ "', 'without_" ~ column ~ "')") }}
    {%- endfor %}

),

pattern as (

    {{ secondary_suppression('identified_cells', 'memberships') }}

),

hidden as (

    {{ hidden_per_row('identified_cells', 'pattern', ['unit', 'quarter'], measures) }}

),

combined as (

    select
        mart.*,
        {%- for measure in measures %}
        coalesce(hidden.{{ measure }}_hidden, false) as {{ measure }}_hidden,
        {%- endfor %}
        mart.has_few_employers as in_work_hidden
    from mart
    left join hidden
        on mart.unit = hidden.unit
        and mart.quarter = hidden.quarter

),

final as (

    select
        benchmark,
        scope,
        region_code,
        sector_kind,
        size_class,
        quarter,
        quarter_start,
        quarter_end,
        {{ protected_count('employers', 'employers_hidden') }},
        {{ protected_count('rolling_year_employers', 'rolling_year_employers_hidden') }},
        {{ protected_count('placements_started', 'placements_started_hidden') }},
        {{ rounded_protected_count('in_work', 10, 'in_work_hidden') }},
        {{ protected_count('job_losses', 'job_losses_hidden') }},
        {{ protected_count('job_to_job_moves', 'job_to_job_moves_hidden') }},
        {{ protected_count('rolling_year_placements', 'rolling_year_placements_hidden') }},
        {%- for column, _ in employer_instruments() %}
        {{ protected_count(column ~ '_placements', column ~ '_placements_hidden') }},
        {{ published_share(column, column ~ '_placements_hidden') }},
        {%- endfor %}
        {{ published_retention(6, 'rolling_year_placements_hidden or retention_6m_losses_hidden'
                                  ~ ' or retention_6m_followed_hidden') }},
        {{ published_retention(12, 'rolling_year_placements_hidden or retention_12m_losses_hidden'
                                   ~ ' or retention_12m_followed_hidden') }}
    from combined

)

select * from final
