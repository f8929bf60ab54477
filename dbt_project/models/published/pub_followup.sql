-- mart_followup as published: the numbers of placements followed, still employed and
-- followed to the next wave withheld below the threshold ('<10'); every share of the
-- placements followed withheld when fewer were followed, retention to the next wave when
-- fewer were followed to it ('n<10').

with

mart as (

    select * from {{ ref('mart_followup') }}

),

{%- set options = {'support': followup_support_options(),
                    'disruption': followup_disruption_options()} %}

final as (

    select
        region_code,
        wave_number,
        labour_expert_role,
        {{ published_count('placements_followed') }},
        {{ published_count('still_employed') }},
        {%- for kind, keys in options.items() %}
        {%- for key in keys %}
        {{ published_rate(kind ~ '_' ~ key ~ '_share', 'placements_followed') }},
        {%- endfor %}
        {%- endfor %}
        {{ published_count('followed_to_next_wave') }},
        {{ published_rate('retention_to_next_wave', 'followed_to_next_wave') }}
    from mart

)

select * from final
