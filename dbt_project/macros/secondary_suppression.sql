{#
    Secondary suppression over every additive relation a published model takes part in
    (docs/disclosure.md, "Counts"), written once for all published models.

    `cells` names a relation with one row per count of people that the model publishes or
    that follows from what it publishes:
      cell_id     text, unique;
      cell_value  the exact count;
      can_hide    true for a published cell, which may be withheld to protect another;
      is_derived  true for a quantity that is never published but follows from published
                  ones (spells minus those followed 12 months, a share's rest): unknown to
                  a reader until the other cells of one of its relations are all shown, so
                  it protects its relation, but when it is small it must not be the one
                  unknown of a relation;
      is_withheld true for a cell withheld for another reason than its own size (a rate
                  whose complement is small, a count without its denominator).
    `memberships` names a relation with one row per cell of each relation:
      group_id    text: one relation, `total = sum of parts`;
      cell_id;
      is_total    the total of the relation.

    A cell below the threshold is withheld (primary). Then, `rounds` times: a derived cell
    that is the one withheld cell of a relation is known (a share's rest where the share's
    denominator is known); in every relation whose one unknown cell is withheld or small, or
    whose known total leaves unknown parts that add up to fewer than the threshold, the
    smallest shown part (a total only when no part is left, the first cell_id among equals)
    is withheld too. A cell chosen for one relation may complete another; the disclosure
    checker (duurzaam check-disclosure) proves the outcome in the transform and fails it if a
    relation is still open after the last round.

    Returns cell_id, is_primary, is_hidden.
#}
{% macro secondary_suppression(cells, memberships, rounds=8) -%}
{%- set t = suppress_below() -%}
select cell_id, is_primary, is_hidden from (

    with

    suppression_round_0 as (
        select
            cell_id,
            cell_value,
            can_hide,
            is_derived,
            cell_value < {{ t }} or is_withheld as is_primary,
            cell_value < {{ t }} or is_withheld or is_derived as is_hidden
        from {{ cells }}
    ),

    {%- for round in range(1, rounds + 1) %}
    {%- set previous = 'suppression_round_' ~ (round - 1) %}

    -- derived cells a relation gives, with what is withheld so far: its one unknown cell, all
    -- its other cells shown (a share's rest where the share's denominator is known)
    revealed_{{ round }} as (
        select distinct cell_id
        from (
            select
                cells.cell_id,
                cells.is_hidden,
                cells.is_derived,
                cells.is_primary,
                sum(case when cells.is_hidden then 1 else 0 end)
                    over (partition by memberships.group_id) as hidden_cells,
                -- a sum whose total is not published is no relation a reader can use
                max(case when memberships.is_total then 1 else 0 end)
                    over (partition by memberships.group_id) as has_total
            from {{ memberships }} as memberships
            inner join {{ previous }} as cells
                on memberships.cell_id = cells.cell_id
        ) as relation_cells
        where is_hidden and is_derived and not is_primary and hidden_cells = 1 and has_total = 1
    ),

    -- what a reader does not know this round: the withheld cells but those derived cells
    unknown_{{ round }} as (
        select
            cells.*,
            cells.is_hidden and revealed.cell_id is null as is_unknown
        from {{ previous }} as cells
        left join revealed_{{ round }} as revealed
            on cells.cell_id = revealed.cell_id
    ),

    open_relations_{{ round }} as (
        select memberships.group_id
        from {{ memberships }} as memberships
        inner join unknown_{{ round }} as cells
            on memberships.cell_id = cells.cell_id
        group by memberships.group_id
        having
            -- a sum whose total is not published is no relation a reader can use
            bool_or(memberships.is_total)
            and (
                -- one unknown cell, withheld or small
                (
                    sum(case when cells.is_unknown then 1 else 0 end) = 1
                    and sum(case when cells.is_unknown and (cells.is_primary or not cells.is_derived)
                                 then 1 else 0 end) = 1
                )
                -- a known total whose unknown parts hold fewer than the threshold
                or (
                    sum(case when cells.is_unknown then 1 else 0 end) > 0
                    and sum(case when cells.is_unknown and memberships.is_total then 1 else 0 end) = 0
                    and sum(case when cells.is_unknown then cells.cell_value else 0 end) < {{ t }}
                )
            )
    ),

    protectors_{{ round }} as (
        select distinct cell_id
        from (
            select
                cells.cell_id,
                row_number() over (
                    partition by memberships.group_id
                    order by memberships.is_total, cells.cell_value, {{ binary_order('cells.cell_id') }}
                ) as preference
            from open_relations_{{ round }} as open_relations
            inner join {{ memberships }} as memberships
                on open_relations.group_id = memberships.group_id
            inner join {{ previous }} as cells
                on memberships.cell_id = cells.cell_id
            where not cells.is_hidden and cells.can_hide
        ) as candidates
        where preference = 1
    ),

    suppression_round_{{ round }} as (
        select
            cells.cell_id,
            cells.cell_value,
            cells.can_hide,
            cells.is_derived,
            cells.is_primary,
            cells.is_hidden or protectors.cell_id is not null as is_hidden
        from {{ previous }} as cells
        left join protectors_{{ round }} as protectors
            on cells.cell_id = protectors.cell_id
    ){% if not loop.last %},{% endif %}
    {%- endfor %}

    select * from suppression_round_{{ rounds }}

) as secondary_suppression
{%- endmacro %}

{# The people of no region (a placement or employer whose municipality has none): the
   country minus its regions, per `keys` and measure of the published counts in `cells`, as
   a cell that is never published ('-'). Only where there are such people: when there are
   none, there is no one to give away. #}
{% macro no_region_remainders(cells, keys) -%}
    {%- set remainder = "sum(case when region_code = 'NL' then cell_value else -cell_value end)" -%}
    select
        '-' as region_code,
        {{ keys | join(', ') }},
        measure,
        cast({{ remainder }} as {{ dbt.type_bigint() }}) as cell_value,
        false as can_hide,
        true as is_derived
    from {{ cells }}
    where not is_derived
    group by {{ keys | join(', ') }}, measure
    having {{ remainder }} > 0
{%- endmacro %}

{# One relation per group of `cells` with the same `keys` (SQL expressions, as text): the
   cell for which `total` (SQL) holds is the total, the others its parts; `where` (SQL)
   picks the cells that take part. #}
{% macro sum_relation(name, cells, keys, total, where='true') -%}
    {%- set id_parts = ["'" ~ name ~ "'"] -%}
    {%- for key in keys %}{% do id_parts.extend(["'|'", key]) %}{% endfor -%}
    select
        {{ dbt.concat(id_parts) }} as group_id,
        cell_id,
        {{ total }} as is_total
    from {{ cells }}
    where {{ where }}
{%- endmacro %}

{# The outcome of secondary_suppression back on the rows of the published model: per `keys`,
   `<measure>_hidden` for each of `measures`. #}
{% macro hidden_per_row(cells, pattern, keys, measures) -%}
    {%- set qualified = [] -%}
    {%- for key in keys %}{% do qualified.append('cells.' ~ key) %}{% endfor -%}
    select
        {%- for measure in measures %}
        bool_or(cells.measure = '{{ measure }}' and pattern.is_hidden) as {{ measure }}_hidden,
        {%- endfor %}
        {{ qualified | join(', ') }}
    from {{ cells }} as cells
    inner join {{ pattern }} as pattern
        on cells.cell_id = pattern.cell_id
    group by {{ qualified | join(', ') }}
{%- endmacro %}

{# What is withheld of a table of factors (one row per region_code, factor and level of
   `mart`, a CTE or relation), with the relations such a table has: the levels of a factor add
   up to the region's total (the same for every factor, so known from any factor shown
   whole), the regions to the country, and on each row the other measures and `rest` (SQL,
   never published) to the first measure. Returns the rows' keys and `<measure>_hidden`. #}
{% macro factor_table_hidden(mart, measures, rest) -%}
    {%- set total = measures[0] -%}
    {%- set added_up = "measure in ('" ~ measures | join("', '") ~ "')" -%}
select * from (

    with

    cells as (

        {%- for measure in measures %}
        select
            region_code, factor, level, '{{ measure }}' as measure, {{ measure }} as cell_value,
            true as can_hide, false as is_derived
        from {{ mart }}
        union all
        select
            region_code, factor, '*' as level, '{{ measure }}' as measure,
            cast(sum({{ measure }}) as {{ dbt.type_bigint() }}) as cell_value,
            false as can_hide, false as is_derived
        from {{ mart }}
        group by region_code, factor
        union all
        {%- endfor %}
        select
            region_code, factor, level, 'rest' as measure, {{ rest }} as cell_value,
            false as can_hide, true as is_derived
        from {{ mart }}

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

        {{ sum_relation('levels', 'identified_cells', ['region_code', 'factor', 'measure'],
                        "level = '*'", added_up) }}
        union all
        {{ sum_relation('country', 'identified_cells', ['factor', 'level', 'measure'],
                        "region_code = 'NL'", added_up) }}
        union all
        {{ sum_relation(total, 'identified_cells', ['region_code', 'factor', 'level'],
                        "measure = '" ~ total ~ "'", "level <> '*'") }}

    ),

    pattern as (

        {{ secondary_suppression('identified_cells', 'memberships') }}

    )

    {{ hidden_per_row('identified_cells', 'pattern', ['region_code', 'factor', 'level'],
                      measures) }}

) as factor_table
{%- endmacro %}
