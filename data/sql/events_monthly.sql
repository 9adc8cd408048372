-- One row per local month and kind of event in [$start, $end) with any: how many incidents of the
-- severities the trend charts mark, changes deployed (and of them rolled back) and maintenance
-- windows started, in services $services (an empty list: every service). A window of the whole
-- system (service_id null) counts under any service filter: it stops every service.
-- kind: 'critical' and 'high' (incidents by start), 'change', 'change_failed', 'maintenance'.
with incident_events as (
    select started_at as happened_at, severity as kind
    from incidents
    where started_at >= $start and started_at < $end
      and severity in ('critical', 'high')
      and (len($services::varchar[]) = 0 or service_id in (select unnest($services::varchar[])))
),
change_events as (
    select deployed_at as happened_at, 'change' as kind
    from changes
    where deployed_at >= $start and deployed_at < $end
      and (len($services::varchar[]) = 0 or service_id in (select unnest($services::varchar[])))
    union all
    select deployed_at as happened_at, 'change_failed' as kind
    from changes
    where deployed_at >= $start and deployed_at < $end and is_rolled_back
      and (len($services::varchar[]) = 0 or service_id in (select unnest($services::varchar[])))
),
maintenance_events as (
    select starts_at as happened_at, 'maintenance' as kind
    from maintenance_windows
    where starts_at >= $start and starts_at < $end
      and (service_id is null or len($services::varchar[]) = 0
           or service_id in (select unnest($services::varchar[])))
),
all_events as (
    select * from incident_events
    union all select * from change_events
    union all select * from maintenance_events
)
select
    date_trunc('month', timezone($tz, happened_at))::date as month,
    kind,
    count(*)::integer as n
from all_events
group by all
order by month, kind
