-- One row: the first and last hour_at of the rows an import is writing (its staging table).
select min(hour_at) as first_at, max(hour_at) as last_at
from _import_stage
