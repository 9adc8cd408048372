-- One row per local month of creation and channel, tickets created in [$start, $end): tickets,
-- and first-response and resolution time percentiles in minutes over all priorities (the
-- percentiles of ticket_times_monthly.sql are per priority and cannot be combined).
with times as (
    select
        date_trunc('month', timezone($tz, created_at))::date as month,
        channel,
        epoch(first_response_at - created_at) / 60.0 as response_minutes,
        epoch(resolved_at - created_at) / 60.0 as resolution_minutes
    from tickets
    where created_at >= $start and created_at < $end
)
select
    month,
    channel,
    count(*) as n_tickets,
    count(response_minutes) as n_responded,
    median(response_minutes) as response_median_minutes,
    quantile_cont(response_minutes, 0.9) as response_p90_minutes,
    count(resolution_minutes) as n_resolved,
    median(resolution_minutes) as resolution_median_minutes,
    quantile_cont(resolution_minutes, 0.9) as resolution_p90_minutes
from times
group by all
order by month, channel
