-- The participating employers (participation.employers): written before every dbt build by
-- whoever runs the transform (plugins/duurzaam/transform/participants.py: the administrator
-- preparing the warehouse, or a login of duurzaam_transformer), read by dbt as a source. It
-- says which employers get a report of their own: no analyst reads it.
create schema if not exists participation;
revoke all on schema participation from public;
grant usage, create on schema participation to duurzaam_transformer;
grant select, insert, update, delete on all tables in schema participation
    to duurzaam_transformer;
alter default privileges in schema participation
    grant select, insert, update, delete on tables to duurzaam_transformer;
