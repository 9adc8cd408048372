-- One row per local day in [$start_day, $end_day): revenue and business metrics.
select
    day,
    revenue_usd::double as revenue_usd,
    visits,
    orders,
    order_processing_minutes_p95,
    failed_logins_peak_hour,
    suspicious_events
from business_daily
where day >= $start_day and day < $end_day
order by day
