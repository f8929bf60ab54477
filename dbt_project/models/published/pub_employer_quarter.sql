-- mart_employer_quarter as published (docs/disclosure.md, "Employer reports"): one
-- participating employer's own figures, for its report only (not on the dashboard, not in
-- the open-data export). The threshold is counted over the employer's own placements:
-- - a count below it withheld ('<10'), and protected ('x', macros/secondary_suppression.sql)
--   in every sum a reader knows: a rolling year's placements are those started in its four
--   quarters (a quarter outside the participation is never published: an unknown part of
--   that sum); a rolling year's placements with and without each instrument; the job losses
--   of a region's participating employers are part of the region's (pub_region_quarter);
-- - the number in work rounded to 10: exact, its change from one quarter to the next
--   (started minus ended) would give a small number of ends away;
-- - retention at 6 and 12 months of the rolling year only where at least the threshold were
--   lost before that month and at least the threshold are still followed, beside its cohort
--   (the rolling year's placements) shown;
-- - an instrument's share only beside its count and the rolling year's, at least the
--   threshold with and without it.
-- The benchmarks hold the employer's figures too: pub_employer_benchmarks protects them
-- against these.

{%- set instrument_counts = employer_instrument_counts() %}
{%- set counts = employer_counts() + instrument_counts %}

with

mart as (

    select * from {{ ref('mart_employer_quarter') }}

),

-- every quarter of the participating employers: those outside the participation are never
-- published, but they are parts of the rolling years that are
figures as (

    select
        figures.*,
        employers.region_code,
        {{ quarter_index('figures.quarter') }} as quarter_position,
        mart.employer_id is not null as is_published
    from {{ ref('int_employer_quarters') }} as figures
    inner join {{ ref('int_employers') }} as employers
        on figures.employer_id = employers.employer_id
    left join mart
        on figures.employer_id = mart.employer_id
        and figures.quarter = mart.quarter
    where employers.is_participating

),

-- the job losses of the participating employers' regions, as pub_region_quarter shows them
regions as (

    select
        region_marts.region_code,
        region_marts.quarter,
        region_marts.job_losses,
        published.job_losses is null as is_withheld,
        region_marts.job_losses - coalesce(sum(case
            when figures.is_published then figures.job_losses else 0
        end), 0) as job_losses_of_others
    from {{ ref('mart_region_quarter') }} as region_marts
    inner join {{ ref('pub_region_quarter') }} as published
        on region_marts.region_code = published.region_code
        and region_marts.quarter = published.quarter
    inner join figures
        on region_marts.region_code = figures.region_code
        and region_marts.quarter = figures.quarter
    group by
        region_marts.region_code,
        region_marts.quarter,
        region_marts.job_losses,
        published.job_losses

),

-- Every count the table publishes, or that follows from it, as one cell.
cells as (

    {%- for measure in counts %}
    select
        employer_id as unit, region_code, quarter, quarter_position,
        '{{ measure }}' as measure, {{ measure }} as cell_value,
        is_published as can_hide, not is_published as is_derived, false as is_withheld
    from figures
    union all
    {%- endfor %}
    {%- for column in instrument_counts %}
    select
        employer_id as unit, region_code, quarter, quarter_position,
        'without_{{ column }}' as measure, rolling_year_placements - {{ column }} as cell_value,
        false as can_hide, true as is_derived, false as is_withheld
    from figures
    union all
    {%- endfor %}
    select
        region_code as unit, region_code, quarter, null as quarter_position,
        'region_job_losses' as measure, job_losses as cell_value,
        false as can_hide, false as is_derived, is_withheld
    from regions
    union all
    -- the job losses of the region's other employers (and quarters): never published
    select
        region_code as unit, region_code, quarter, null as quarter_position,
        'other_job_losses' as measure, job_losses_of_others as cell_value,
        false as can_hide, true as is_derived, false as is_withheld
    from regions

),

identified_cells as (

    select
        *,
        {{ dbt.concat(['unit', "'|'", 'quarter', "'|'", 'measure']) }} as cell_id
    from cells
    where cell_value is not null

),

memberships as (

    {{ rolling_year_relation('identified_cells') }}

    union all

    {%- for column in instrument_counts %}
    -- the rolling year's placements with and without the instrument
    {{ sum_relation(column, 'identified_cells', ['unit', 'quarter'],
                    "measure = 'rolling_year_placements'",
                    "measure in ('rolling_year_placements', '" ~ column ~ "', 'without_"
                    ~ column ~ "')") }}

    union all
    {%- endfor %}

    -- the participating employers' job losses are part of their region's
    {{ sum_relation('region', 'identified_cells', ['region_code', 'quarter'],
                    "measure = 'region_job_losses'",
                    "measure in ('region_job_losses', 'other_job_losses') "
                    ~ "or (measure = 'job_losses' and not is_derived)") }}

),

pattern as (

    {{ secondary_suppression('identified_cells', 'memberships') }}

),

hidden as (

    {{ hidden_per_row('identified_cells', 'pattern', ['unit', 'quarter'], counts) }}

),

combined as (

    select
        mart.*,
        {%- for measure in counts %}
        coalesce(hidden.{{ measure }}_hidden, false) as {{ measure }}_hidden
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from mart
    left join hidden
        on mart.employer_id = hidden.unit
        and mart.quarter = hidden.quarter

),

final as (

    select
        employer_id,
        region_code,
        sector_kind,
        size_class,
        quarter,
        quarter_start,
        quarter_end,
        {{ protected_count('placements_started', 'placements_started_hidden') }},
        {{ rounded_count('in_work', 10) }},
        {{ protected_count('job_losses', 'job_losses_hidden') }},
        {{ protected_count('job_to_job_moves', 'job_to_job_moves_hidden') }},
        {{ protected_count('rolling_year_placements', 'rolling_year_placements_hidden') }},
        {%- for column, _ in employer_instruments() %}
        {{ protected_count(column ~ '_placements', column ~ '_placements_hidden') }},
        {{ published_share(column, column ~ '_placements_hidden') }},
        {%- endfor %}
        {{ published_retention(6, 'rolling_year_placements_hidden') }},
        {{ published_retention(12, 'rolling_year_placements_hidden') }}
    from combined

)

select * from final
