-- One row per saved scenario, newest first (the drivers are left out: see saved_scenario.sql).
select
    scenario_id,
    name,
    author,
    saved_at,
    months,
    note
from saved_scenarios
order by saved_at desc, name
