-- Common table expressions shared by threshold_hours_monthly.sql, threshold_hours_daily_build.sql and
-- threshold_flags_recent.sql, which include them (`-- include: monitored_hours`, see
-- data/warehouse.sql_text) right after `with`, followed by their own (hence the trailing comma):
-- samples, one row per service, hour in [$start, $end) and monitored metric of the hourly tables (names as in
-- plan.toml [monitoring]); maintenance_hours, the hours a maintenance window overlaps
-- (service_id null: the whole system).
app_samples as (
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
