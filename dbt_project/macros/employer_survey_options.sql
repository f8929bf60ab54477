{# The options of the employer survey per question (by the prefix of their raw columns) and
   the Spinnenweb elements: the keys of include/config/survey_codebook.yml; a test checks
   that the two agree. #}
{% macro employer_survey_options() -%}
    {{ return({
        'reden': ['maatschappelijk_ondernemen', 'intrinsieke_motivatie', 'krapte',
                  'wettelijke_verplichting', 'kwaliteiten_werknemer', 'functioneert_goed',
                  'kans_bieden', 'anders'],
        'contract': ['vast', 'tijdelijk', 'oproep', 'gedetacheerd', 'anders', 'uitzendbureau'],
        'geen_reden': ['geen_kennis_doelgroep', 'bureaucratie', 'niet_aan_gedacht',
                       'werk_niet_geschikt', 'geen_middelen', 'geen_reacties'],
    }) }}
{%- endmacro %}

{% macro spinnenweb_elements() -%}
    {{ return(['kennis_doelgroep', 'informatie_regelingen', 'selectie_matching',
               'ondersteuning_werkgevers', 'samenwerking_actoren', 'praktische_ondersteuning',
               'administratie_digitalisering']) }}
{%- endmacro %}

{# The number of scores of a Spinnenweb element is published rounded to a multiple of this
   (pub_employer_survey; docs/disclosure.md): a reader knows it within half of it. #}
{% macro spinnenweb_count_base() -%}
    {{ return(5) }}
{%- endmacro %}
