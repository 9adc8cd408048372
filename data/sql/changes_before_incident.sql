-- Changes deployed to the service of incident $incident_id in the $lookback_hours hours before
-- it started: the usual first suspects. One row per change, newest first.
with incident as (
    select service_id, started_at
    from incidents
    where incident_id = $incident_id
)
select
    c.change_id,
    c.category,
    c.deployed_at,
    c.is_rolled_back,
    epoch(incident.started_at - c.deployed_at) / 60.0 as minutes_before_start
from changes as c
join incident using (service_id)
where c.deployed_at <= incident.started_at
  and c.deployed_at > incident.started_at - to_hours(cast($lookback_hours as bigint))
order by c.deployed_at desc
