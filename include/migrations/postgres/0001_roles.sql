-- The warehouse's group roles (NOLOGIN): people and services log in with a role of their own
-- that is a member of one of these (docs/operations.md, "Warehouse roles").
--   duurzaam_loader             writes raw, history and meta (the ingest tasks)
--   duurzaam_transformer        reads raw and meta; creates dbt's schemas (the transform tasks)
--   duurzaam_analyst            reads the schema marts and nothing else (grants: dbt, on each
--                               build, see dbt_project/macros/access.sql)
--   duurzaam_regional_analyst   reads the marts, only the rows of its regions (0002)
-- Roles belong to the whole PostgreSQL cluster, so they are created only when missing.
do $$
declare
    role_name text;
begin
    foreach role_name in array array['duurzaam_loader', 'duurzaam_transformer',
                                     'duurzaam_analyst', 'duurzaam_regional_analyst'] loop
        if not exists (select from pg_roles where rolname = role_name) then
            execute format('create role %I nologin', role_name);
        end if;
    end loop;
end
$$;

-- Nobody else gets in through PUBLIC.
revoke all on schema raw, history, meta from public;

grant usage, create on schema raw, history, meta to duurzaam_loader;
grant select, insert, update, delete on all tables in schema raw, history, meta
    to duurzaam_loader;
alter default privileges in schema raw, history, meta
    grant select, insert, update, delete on tables to duurzaam_loader;

grant usage on schema raw, meta to duurzaam_transformer;
grant select on all tables in schema raw, meta to duurzaam_transformer;
alter default privileges in schema raw, meta grant select on tables to duurzaam_transformer;
do $$
begin
    execute format('grant create on database %I to duurzaam_transformer', current_database());
end
$$;
