-- One row per service, local month and monitored metric in [$start, $end): hours observed,
-- hours beyond the plan's threshold, and those suppressed because a maintenance window of the
-- whole system or of that service overlapped the hour (the plan auto-suppresses alerts then).
-- Metric names follow plan.toml's [monitoring] keys; thresholds are bound lists.
with
-- include: monitored_hours
limits as (
    select unnest($metrics) as metric, unnest($ops) as op, unnest($limits) as limit_value
),
-- include: threshold_flags
flagged as (
    select
        f.service_id,
        date_trunc('month', timezone($tz, f.hour_at))::date as month,
        f.metric,
        f.is_beyond,
        exists (
            select 1 from maintenance_hours as mh
            where mh.hour_at = f.hour_at and (mh.service_id is null or mh.service_id = f.service_id)
        ) as is_in_maintenance
    from flags as f
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
