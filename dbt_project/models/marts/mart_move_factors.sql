-- From work to work by factor and level, per region and for the country ('NL'): of the jobs
-- that ended with a known outcome (int_job_ends), how many were followed by a new job
-- within 3 months (a move) with the share's 95% Wilson interval, and of the job losses
-- followed 12 months, how soon the next job came. The factors are those of the job that
-- ended and the length of the spell at its end.

{%- set factors = [] %}
{%- for factor, _ in factor_levels() %}{% do factors.append(factor) %}{% endfor %}
{%- do factors.append('spell_length_band') %}
{%- set z = 1.959963984540054 %}

with

ends as (

    select * from {{ ref('int_job_ends') }}
    where is_outcome_known

),

long_ends as (

    {% for factor in factors %}
    select
        region_code,
        '{{ factor }}' as factor,
        {{ factor }} as level,
        is_move,
        months_to_next_job
    from ends
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

grouped_ends as (

    select * from long_ends
    where region_code is not null

    union all

    select 'NL' as region_code, factor, level, is_move, months_to_next_job
    from long_ends

),

counted as (

    select
        region_code,
        factor,
        level,
        count(*) as ends,
        sum(case when is_move then 1 else 0 end) as moves,
        sum(case when months_to_next_job = '3-6' then 1 else 0 end) as back_3_6m,
        sum(case when months_to_next_job = '6-12' then 1 else 0 end) as back_6_12m,
        sum(case when months_to_next_job = 'niet binnen 12' then 1 else 0 end) as not_back_12m
    from grouped_ends
    group by region_code, factor, level

),

shares as (

    select
        *,
        {{ ratio('moves', 'ends') }} as raw_share,
        {{ z }} * {{ z }} / ends as z2n
    from counted

),

final as (

    select
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(factor as {{ dbt.type_string() }}) as factor,
        cast(level as {{ dbt.type_string() }}) as level,
        cast(ends as {{ dbt.type_bigint() }}) as ends,
        cast(moves as {{ dbt.type_bigint() }}) as moves,
        {{ round_double('raw_share') }} as move_share,
        -- Wilson's interval: keeps within 0..1 and stays honest for small groups
        {{ round_double(
            '(raw_share + z2n / 2 - ' ~ z ~ ' * sqrt(raw_share * (1 - raw_share) / ends + z2n / (4 * ends)))'
            ~ ' / (1 + z2n)') }} as move_share_ci_lower,
        {{ round_double(
            '(raw_share + z2n / 2 + ' ~ z ~ ' * sqrt(raw_share * (1 - raw_share) / ends + z2n / (4 * ends)))'
            ~ ' / (1 + z2n)') }} as move_share_ci_upper,
        cast(back_3_6m as {{ dbt.type_bigint() }}) as back_3_6m,
        cast(back_6_12m as {{ dbt.type_bigint() }}) as back_6_12m,
        cast(not_back_12m as {{ dbt.type_bigint() }}) as not_back_12m
    from shares

)

select * from final
