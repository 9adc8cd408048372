-- Incidents that touch [$start, $end): started before the end and not resolved before the start,
-- or detected in it (the schema allows a resolution recorded before the detection, and MTTA and
-- the SLA grid count incidents detected in a span: a span's numbers must not depend on how much
-- more was loaded with it).
-- One row per incident, with whether its service is customer-facing. Severity and impact are
-- cast to the enums of schema.sql's checks on them: they arrive as categories, cheaper to load
-- and to mask than strings (a year at 100M samples: 0.10 -> 0.07 s to load).
with incidents_in_window as (
    select
        i.incident_id,
        i.service_id,
        i.severity::enum('critical', 'high', 'medium', 'low') as severity,
        i.impact::enum('outage', 'degraded', 'none') as impact,
        i.started_at,
        i.detected_at,
        i.acknowledged_at,
        i.resolved_at,
        i.escalated_at,
        s.is_customer_facing
    from incidents as i
    join services as s using (service_id)
    where i.started_at < $end
      and (i.resolved_at is null or i.resolved_at >= $start or i.detected_at >= $start)
)
-- In no set order: no KPI depends on it, and sorting a year's rows cost a quarter of the load.
select * from incidents_in_window
