-- The stock per labour-market region (and 'NL') x quarter: the target-group register by
-- legal basis and how many of them work (municipalities mapped to their region with the
-- reference row valid in the quarter's year, as the spells are), and the jobs-agreement
-- figures (the country: the sum of the regions).

with

register as (

    select * from {{ ref('stg_register__counts') }}

),

municipality_regions as (

    select * from {{ ref('int_municipality_regions') }}
    where region_code is not null

),

jobs as (

    select * from {{ ref('stg_jobs_agreement__regions') }}

),

-- each municipality's region in the quarter's year
register_regions as (

    select
        register.*,
        municipality_regions.region_code
    from register
    inner join municipality_regions
        on register.municipality_code = municipality_regions.municipality_code
        and (
            cast(substring(register.quarter, 1, 4) as {{ dbt.type_int() }})
            between municipality_regions.valid_from_year and municipality_regions.valid_to_year
        )

),

register_rows as (

    select region_code, quarter, legal_basis, persons_in_register, persons_working
    from register_regions

    union all

    select 'NL' as region_code, quarter, legal_basis, persons_in_register, persons_working
    from register

),

{%- set bases = ['wajong', 'wsw', 'participatiewet', 'pro_vso', 'wiw_id'] %}

register_totals as (

    select
        region_code,
        quarter,
        sum(persons_in_register) as register_total,
        {%- for basis in bases %}
        sum(case when legal_basis = '{{ basis }}' then persons_in_register else 0 end)
            as register_{{ basis }},
        {%- endfor %}
        sum(persons_working) as register_working
    from register_rows
    group by region_code, quarter

),

jobs_rows as (

    select region_code, quarter, jobs_market, jobs_government, jobs_target
    from jobs

    union all

    select
        'NL' as region_code,
        quarter,
        sum(jobs_market) as jobs_market,
        sum(jobs_government) as jobs_government,
        sum(jobs_target) as jobs_target
    from jobs
    group by quarter

),

final as (

    select
        coalesce(register_totals.region_code, jobs_rows.region_code) as region_code,
        coalesce(register_totals.quarter, jobs_rows.quarter) as quarter,
        register_totals.register_total,
        {%- for basis in bases %}
        register_totals.register_{{ basis }},
        {%- endfor %}
        register_totals.register_working,
        jobs_rows.jobs_market,
        jobs_rows.jobs_government,
        jobs_rows.jobs_target
    from register_totals
    full outer join jobs_rows
        on register_totals.region_code = jobs_rows.region_code
        and register_totals.quarter = jobs_rows.quarter

)

select * from final
