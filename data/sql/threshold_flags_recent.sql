-- One row per service, hour in [$start, $end) and monitored metric with a plan threshold: the
-- sample's value, the threshold (op, limit_value) and whether the value is beyond it; for the
-- list of breaches active at the last hour of data (analytics.monitoring.active_breaches).
-- Metric names follow plan.toml's [monitoring] keys; thresholds are bound lists.
with
-- include: monitored_hours
limits as (
    select unnest($metrics) as metric, unnest($ops) as op, unnest($limits) as limit_value
),
-- include: threshold_flags
last_flags as (
    select service_id, hour_at, metric, metric_value, op, limit_value, is_beyond
    from flags
)
select *
from last_flags
order by service_id, metric, hour_at
