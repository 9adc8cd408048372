-- Rows of a utilisation_hourly import (its staging table) whose (service, hour) bucket is rolled
-- up from utilisation_samples: the samples win there, so such a row is refused. One row per
-- staged row: _row, the hour as text.
select s._row, cast(s.hour_at as varchar) as hour_at
from _import_stage as s
where exists (
    select 1
    from utilisation_samples as u
    where u.service_id = s.service_id
        and u.sampled_at >= date_trunc('hour', s.hour_at)
        and u.sampled_at < date_trunc('hour', s.hour_at) + interval 1 hour
)
order by s._row
