-- Change-related incidents starting in [$start, $end + $after_hours hours): a change deployed just
-- before the period's end fails by an incident after it. One row per incident.
select
    incident_id,
    service_id,
    started_at,
    is_change_related
from incidents
where is_change_related
  and started_at >= $start
  and started_at <= $end + to_hours(cast($after_hours as bigint))
order by started_at, incident_id
