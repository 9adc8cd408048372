-- The incidents started in [$start, $end) (one month: the trend point clicked; or a period: an
-- Overview tile's records), in services $services and severities $severities (an empty list: all).
-- One row per incident, oldest first.
select
    i.incident_id,
    i.service_id,
    s.name as service_name,
    i.severity,
    i.impact,
    i.summary,
    i.started_at,
    i.resolved_at,
    i.is_change_related
from incidents as i
join services as s using (service_id)
where i.started_at >= $start and i.started_at < $end
  and (len($services::varchar[]) = 0 or i.service_id in (select unnest($services::varchar[])))
  and (len($severities::varchar[]) = 0 or i.severity in (select unnest($severities::varchar[])))
order by i.started_at, i.incident_id
