-- Delete the saved scenario named $scenario_name; returns the ids deleted (none: no such scenario).
delete from saved_scenarios
where name = $scenario_name
returning scenario_id
