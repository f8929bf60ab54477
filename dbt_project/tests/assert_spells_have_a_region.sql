{{ config(severity='warn') }}
-- Spells whose first municipality has no labour-market region at the spell start (unknown
-- code, or a municipality that ceased before 2014) count for the country only.

select spell_id, spell_start_date, municipality_code
from {{ ref('int_spells') }}
where region_code is null
