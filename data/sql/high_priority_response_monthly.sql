-- One row per local month of creation, high-priority tickets (priorities in $priorities) created
-- in [$start, $end) of the channels in $channels (all when empty): tickets, those answered and
-- not yet answered, and the first-response time of the answered ones in hours: mean (the KPI,
-- as first_response_daily.sql sums it), median and 90th percentile (kpi-definitions.md: "also
-- median and 90th percentile"; percentiles cannot be combined from other rows, so they are
-- taken here over the month's tickets).
with high_priority as (
    select
        date_trunc('month', timezone($tz, created_at))::date as month,
        epoch(first_response_at - created_at) / 3600.0 as response_hours
    from tickets
    where created_at >= $start and created_at < $end
      and priority in (select unnest($priorities))
      and (len($channels) = 0 or channel in (select unnest($channels)))
)
select
    month,
    count(*) as n_tickets,
    count(response_hours) as n_answered,
    count(*) - count(response_hours) as n_unanswered,
    avg(response_hours) as response_mean_hours,
    median(response_hours) as response_median_hours,
    quantile_cont(response_hours, 0.9) as response_p90_hours
from high_priority
group by all
order by month
