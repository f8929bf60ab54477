-- One role per labour-market region, duurzaam_region_am01 .. duurzaam_region_am35, each a
-- member of duurzaam_regional_analyst. A login role that is a member of duurzaam_region_am05
-- reads the marts' rows of region AM05 only: the row-level security policies that dbt puts
-- on every mart (dbt_project/macros/access.sql) compare region_code with these names.
do $$
declare
    region_role text;
begin
    for number in 1..35 loop
        region_role := format('duurzaam_region_am%s', lpad(number::text, 2, '0'));
        if not exists (select from pg_roles where rolname = region_role) then
            execute format('create role %I nologin in role duurzaam_regional_analyst',
                           region_role);
        end if;
    end loop;
end
$$;
