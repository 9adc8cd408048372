-- Rollup rows for local days in [$start, $end) ($start, $end: local midnights in the zone of
-- threshold_rollup_config): per service, local day and monitored metric, hours observed, hours
-- beyond the configured threshold, and of those the hours a maintenance window of the whole
-- system or of that service overlapped. Counted as threshold_hours_monthly.sql counts them;
-- threshold_hours_daily_delete.sql clears the same days first.
insert into threshold_hours_daily
with
-- include: monitored_hours
limits as (
    select metric, op, limit_value, tz
    from threshold_rollup_config
),
-- include: threshold_flags
system_hours as (
    select distinct hour_at, true as is_system_maintenance
    from maintenance_hours
    where service_id is null
),
service_hours as (
    select distinct service_id, hour_at, true as is_service_maintenance
    from maintenance_hours
    where service_id is not null
),
flagged as (
    select
        f.service_id,
        timezone(f.tz, f.hour_at)::date as day,
        f.metric,
        f.is_beyond,
        coalesce(sys.is_system_maintenance, false) or coalesce(svc.is_service_maintenance, false) as is_in_maintenance
    from flags as f
    left join system_hours as sys on sys.hour_at = f.hour_at
    left join service_hours as svc on svc.service_id = f.service_id and svc.hour_at = f.hour_at
)
select
    service_id,
    day,
    metric,
    count(*) as hours_observed,
    count(*) filter (where is_beyond) as hours_beyond,
    count(*) filter (where is_beyond and is_in_maintenance) as hours_beyond_in_maintenance
from flagged
group by all
order by day, service_id, metric
