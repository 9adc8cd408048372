-- Rollup rows for local days in [$start, $end) ($start, $end: local midnights in the zone of
-- threshold_rollup_config): per service, local day and monitored metric, hours observed, hours
-- beyond the configured threshold, and of those the hours a maintenance window of the whole
-- system or of that service overlapped. Counted as threshold_hours_monthly.sql counts them;
-- threshold_hours_daily_delete.sql clears the same days first.
insert into threshold_hours_daily
with app_samples as (
    select
        service_id,
        hour_at,
        cpu_pct,
        memory_pct,
        disk_pct,
        network_latency_ms,
        response_time_p95_ms as response_time_ms,
        error_rate_pct,
        requests_per_s
    from utilisation_hourly
    where hour_at >= $start and hour_at < $end
),
db_samples as (
    select
        service_id,
        hour_at,
        query_time_p95_ms as query_time_ms,
        connection_pool_pct,
        deadlocks::double as deadlocks_per_hour,
        replication_lag_s
    from database_hourly
    where hour_at >= $start and hour_at < $end
),
samples as (
    select service_id, hour_at, metric, metric_value
    from (unpivot app_samples on columns(* exclude (service_id, hour_at)) into name metric value metric_value)
    union all
    select service_id, hour_at, metric, metric_value
    from (unpivot db_samples on columns(* exclude (service_id, hour_at)) into name metric value metric_value)
),
maintenance as (
    select service_id, starts_at, ends_at
    from maintenance_windows
    where starts_at < $end and ends_at > $start
),
maintenance_hours as (
    select distinct m.service_id, date_trunc('hour', m.starts_at) + to_hours(h.i) as hour_at
    from maintenance as m,
        range(0, cast(ceil(epoch(m.ends_at - date_trunc('hour', m.starts_at)) / 3600) as bigint)) as h(i)
),
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
        s.service_id,
        timezone(l.tz, s.hour_at)::date as day,
        s.metric,
        case l.op
            when '>' then s.metric_value > l.limit_value
            when '>=' then s.metric_value >= l.limit_value
            when '<' then s.metric_value < l.limit_value
            else s.metric_value <= l.limit_value
        end as is_beyond,
        coalesce(sys.is_system_maintenance, false) or coalesce(svc.is_service_maintenance, false) as is_in_maintenance
    from samples as s
    join threshold_rollup_config as l using (metric)
    left join system_hours as sys on sys.hour_at = s.hour_at
    left join service_hours as svc on svc.service_id = s.service_id and svc.hour_at = s.hour_at
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
