{#
    Who may read the marts and the published models on PostgreSQL (the roles:
    include/migrations/postgres). Every build replaces a model's table, so its grants and
    row-level security are set again right after (post-hook of every mart and published
    model, dbt_project.yml):
    - duurzaam_analyst reads every row;
    - duurzaam_regional_analyst reads the rows of the regions whose role
      (duurzaam_region_am05 for region_code 'AM05') the logged-in user is a member of, and
      the national rows (region_code 'NL'), which every report puts beside its region.
    The owner (the transform's user) is not bound by the policies. DuckDB has no roles:
    nothing happens there.
#}
{% macro restrict_mart_access() %}
    {% if target.type == 'postgres' %}
        grant select on {{ this }} to duurzaam_analyst, duurzaam_regional_analyst;
        alter table {{ this }} enable row level security;
        create policy analyst_reads_every_row on {{ this }}
            for select to duurzaam_analyst using (true);
        create policy regional_analyst_reads_own_region on {{ this }}
            for select to duurzaam_regional_analyst
            using (region_code = 'NL' or exists (
                select from pg_roles
                where rolname = 'duurzaam_region_' || lower(region_code)
                    and pg_has_role(current_user, oid, 'member')
            ));
    {% endif %}
{% endmacro %}

{# At the end of every dbt run: the analysts may look into the schemas marts and published
   (once they exist: a run of one staging model, as the transform DAG's first tasks do, has
   no marts yet). #}
{% macro grant_marts_schema() %}
    {% if target.type == 'postgres' %}
        do $$
        begin
            -- the transform's tasks run in parallel: concurrent grants on one schema fail
            perform pg_advisory_xact_lock(hashtext('duurzaam-grant-marts'));
            {%- for schema in ['marts', 'published'] %}
            if exists (select from pg_namespace where nspname = '{{ schema }}')
                    and not has_schema_privilege('duurzaam_regional_analyst', '{{ schema }}', 'usage') then
                grant usage on schema {{ schema }} to duurzaam_analyst, duurzaam_regional_analyst;
            end if;
            {%- endfor %}
        end
        $$;
    {% endif %}
{% endmacro %}
