-- One row per local day of ticket creation and channel: high-priority tickets with a first
-- response, and the sum of their first-response times in hours and of their squares (for the
-- mean's confidence interval). The scorecard sums every channel, a channel filter sums the rows
-- it keeps; analytics.support.first_response_hours forms the mean and its interval once.
with high_priority as (
    select
        timezone($tz, created_at)::date as day,
        channel,
        epoch(first_response_at - created_at) / 3600.0 as response_hours
    from tickets
    where created_at >= $start and created_at < $end  -- local-midnight bounds of the span
      and priority in (select unnest($priorities))
      and first_response_at is not null
)
select
    day,
    channel,
    count(*) as n_responded,
    sum(response_hours) as response_hours_sum,
    sum(response_hours * response_hours) as response_hours_sq_sum
from high_priority
group by all
order by day, channel
