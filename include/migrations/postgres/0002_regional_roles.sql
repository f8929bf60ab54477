-- One role per labour-market region (the 35 of the municipality reference,
-- dbt_project/seeds/municipalities.csv), duurzaam_region_am01 .. duurzaam_region_am38, each
-- a member of duurzaam_regional_analyst. A login role that is a member of
-- duurzaam_region_am05 reads the marts' rows of region AM05 only: the row-level security
-- policies that dbt puts on every mart (dbt_project/macros/access.sql) compare region_code
-- with these names. A change of the regions is a new migration.
do $$
declare
    region_code text;
    region_role text;
begin
    foreach region_code in array array[
        'AM01', 'AM02', 'AM03', 'AM05', 'AM06', 'AM07', 'AM08', 'AM09', 'AM10', 'AM11',
        'AM12', 'AM13', 'AM14', 'AM15', 'AM17', 'AM18', 'AM19', 'AM20', 'AM21', 'AM22',
        'AM23', 'AM24', 'AM25', 'AM26', 'AM27', 'AM28', 'AM29', 'AM30', 'AM32', 'AM33',
        'AM34', 'AM35', 'AM36', 'AM37', 'AM38'] loop
        region_role := 'duurzaam_region_' || lower(region_code);
        if not exists (select from pg_roles where rolname = region_role) then
            execute format('create role %I nologin in role duurzaam_regional_analyst',
                           region_role);
        end if;
    end loop;
end
$$;
