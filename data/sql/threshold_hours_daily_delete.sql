-- Clear the rollup rows of local days in [$start_day, $end_day) before they are counted again.
delete from threshold_hours_daily
where day >= $start_day and day < $end_day
