-- One row per routine maintenance task in the catalogue.
select task_id, name, cadence, created_on, automated_on, retired_on
from routine_tasks
order by task_id
