-- One row: the full record of incident $incident_id, with its service's name and kind.
select
    i.incident_id,
    i.service_id,
    s.name as service_name,
    s.is_customer_facing,
    i.severity,
    i.impact,
    i.summary,
    i.started_at,
    i.detected_at,
    i.acknowledged_at,
    i.escalated_at,
    i.resolved_at,
    i.escalation_level,
    i.is_change_related
from incidents as i
join services as s using (service_id)
where i.incident_id = $incident_id
