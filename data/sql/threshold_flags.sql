-- A common table expression shared by threshold_hours_monthly.sql, threshold_hours_daily_build.sql and
-- threshold_flags_recent.sql, which include it (`-- include: threshold_flags`) after monitored_hours and
-- after their own `limits` (metric, op, limit_value and whatever else they need of it): flags, one row per sample
-- of `samples` whose metric has a threshold, with its value, that limit's columns and is_beyond, the
-- value compared with the limit by the plan's operator (the one place that comparison is written).
flags as (
    select
        s.service_id,
        s.hour_at,
        s.metric_value,
        l.*,
        case l.op
            when '>' then s.metric_value > l.limit_value
            when '>=' then s.metric_value >= l.limit_value
            when '<' then s.metric_value < l.limit_value
            else s.metric_value <= l.limit_value
        end as is_beyond
    from samples as s
    join limits as l using (metric)
),
