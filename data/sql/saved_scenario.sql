-- One row: the saved scenario named $scenario_name, with its drivers as JSON (no row: no such scenario).
select
    scenario_id,
    name,
    author,
    saved_at,
    drivers_json,
    months,
    note
from saved_scenarios
where name = $scenario_name
