-- One row per local month of creation, channel and priority: tickets, first-response and
-- resolution time percentiles in hours (the means behind KPIs come from *_daily.sql sums).
with times as (
    select
        date_trunc('month', timezone($tz, created_at))::date as month,
        channel,
        priority,
        epoch(first_response_at - created_at) / 3600.0 as response_hours,
        epoch(resolved_at - created_at) / 3600.0 as resolution_hours,
        max_tier,
        escalation_count > 0 as is_escalated
    from tickets
    where created_at >= $start and created_at < $end
)
select
    month,
    channel,
    priority,
    count(*) as n_tickets,
    median(response_hours) as response_median_hours,
    quantile_cont(response_hours, 0.9) as response_p90_hours,
    median(resolution_hours) as resolution_median_hours,
    quantile_cont(resolution_hours, 0.9) as resolution_p90_hours,
    count(*) filter (where is_escalated) as n_escalated,
    count(*) filter (where max_tier = 2) as n_tier2,
    count(*) filter (where max_tier = 3) as n_tier3
from times
group by all
order by month, channel, priority
