-- Save one scenario; the unique name is checked by the table.
insert into saved_scenarios (scenario_id, name, author, saved_at, drivers_json, months, note)
values ($scenario_id, $scenario_name, $author, $saved_at, $drivers_json, $months, $note)
