{{ config(severity='warn') }}
-- A placement still running at the end of its latest extract quarter should appear in the
-- next extract (running or with its end date). One that is missing from the latest loaded
-- quarter stays "running" forever in int_placements; the source should report its end.
--
-- A warning, not an error: only the source can report the missing end, and the build cannot
-- repair it; failing would hold back every region's figures for a few placements. The rows
-- are the placements to ask the employer desk about.

with

placements as (

    select placement_id, person_id, start_date, last_extract_quarter
    from {{ ref('int_placements') }}
    where end_date is null

),

observation as (

    select last_quarter from {{ ref('int_observation_window') }}

)

select placements.*
from placements
cross join observation
where placements.last_extract_quarter < observation.last_quarter
