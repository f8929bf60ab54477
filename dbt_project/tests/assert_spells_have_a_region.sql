{{ config(severity='warn') }}
-- Spells whose first municipality has no labour-market region at the spell start (unknown
-- code, or a municipality that ceased before 2014) count for the country only.
--
-- A warning, not an error: these spells are counted as defined (for the country, not for
-- a region), so no figure is wrong; the rows show which municipality codes to check.

select spell_id, spell_start_date, municipality_code
from {{ ref('int_spells') }}
where region_code is null
