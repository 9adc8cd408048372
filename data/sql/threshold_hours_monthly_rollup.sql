-- threshold_hours_monthly.sql read from the daily rollup (threshold_hours_daily): one row per
-- service, local month and monitored metric in the local days [$start_day, $end_day), for the
-- metrics $metrics whose thresholds the rollup was built with (data/rollups.py checks that).
with days as (
    select
        service_id,
        date_trunc('month', day)::date as month,
        metric,
        hours_observed,
        hours_beyond,
        case when $suppress then hours_beyond_in_maintenance else 0 end as hours_suppressed
    from threshold_hours_daily
    where day >= $start_day and day < $end_day
      and metric in (select unnest($metrics))
)
select
    service_id,
    month,
    metric,
    sum(hours_observed)::bigint as hours_observed,
    (sum(hours_beyond) - sum(hours_suppressed))::bigint as hours_beyond,
    sum(hours_suppressed)::bigint as hours_suppressed
from days
group by all
order by service_id, month, metric
