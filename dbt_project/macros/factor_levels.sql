{#
    The retention factors of a placement (int_placements' columns) as (factor, level SQL)
    pairs: the instruments as 'ja'/'nee', contract type, sector type, employer size, legal
    basis and hours band ('onbekend' when missing). Defined once for the factors of a
    spell's first placement (int_spell_factors) and of the job that ended (int_job_ends).
#}
{% macro factor_levels() -%}
    {%- set levels = [] -%}
    {%- for factor, column in [
        ('loonkostensubsidie', 'wage_cost_subsidy'),
        ('jobcoach', 'jobcoach'),
        ('no_riskpolis', 'no_risk_policy'),
        ('werkplekaanpassing', 'workplace_adaptation'),
        ('proefplaatsing', 'trial_placement'),
        ('arbeidsdeskundige', 'labour_expert'),
    ] -%}
        {%- do levels.append((factor, "case when " ~ column ~ " then 'ja' else 'nee' end")) -%}
    {%- endfor -%}
    {%- for factor, column in [
        ('contractvorm', 'contract_type'),
        ('sector_type', 'sector_kind'),
        ('werkgever_grootte', 'employer_size'),
        ('grondslag', 'legal_basis'),
        ('uren_band', 'hours_band'),
    ] -%}
        {%- do levels.append((factor, "coalesce(" ~ column ~ ", 'onbekend')")) -%}
    {%- endfor -%}
    {{ return(levels) }}
{%- endmacro %}
