-- One row: the first and last sample hour in utilisation_hourly and database_hourly (nulls: none).
select min(hour_at) as first_at, max(hour_at) as last_at
from (
    select min(hour_at) as hour_at from utilisation_hourly
    union all select max(hour_at) from utilisation_hourly
    union all select min(hour_at) from database_hourly
    union all select max(hour_at) from database_hourly
)
