-- One row per service, local month and monitored metric in [$start, $end): hours observed,
-- hours beyond the plan's threshold, and those suppressed because a maintenance window of the
-- whole system or of that service overlapped the hour (the plan auto-suppresses alerts then).
-- Metric names follow plan.toml's [monitoring] keys; thresholds are bound lists.
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
limits as (
    select unnest($metrics) as metric, unnest($ops) as op, unnest($limits) as limit_value
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
flagged as (
    select
        s.service_id,
        date_trunc('month', timezone($tz, s.hour_at))::date as month,
        s.metric,
        case l.op
            when '>' then s.metric_value > l.limit_value
            when '>=' then s.metric_value >= l.limit_value
            when '<' then s.metric_value < l.limit_value
            else s.metric_value <= l.limit_value
        end as is_beyond,
        exists (
            select 1 from maintenance_hours as mh
            where mh.hour_at = s.hour_at and (mh.service_id is null or mh.service_id = s.service_id)
        ) as is_in_maintenance
    from samples as s
    join limits as l using (metric)
)
select
    service_id,
    month,
    metric,
    count(*) as hours_observed,
    count(*) filter (where is_beyond and not (is_in_maintenance and $suppress)) as hours_beyond,
    count(*) filter (where is_beyond and is_in_maintenance and $suppress) as hours_suppressed
from flagged
group by all
order by service_id, month, metric
