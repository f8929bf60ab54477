{# The multi-select options of the follow-up survey (duurzaam.sources.followup_survey). #}
{% macro followup_support_options() -%}
    {{ return(['jobcoach', 'loonkostensubsidie', 'no_riskpolis', 'werkplekaanpassing',
               'externe_hulp', 'coaching']) }}
{%- endmacro %}

{% macro followup_disruption_options() -%}
    {{ return(['corona', 'reorganisatie', 'leidinggevende', 'prive', 'geen']) }}
{%- endmacro %}
