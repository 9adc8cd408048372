-- One row per local day of ticket creation: high-priority tickets with a first response,
-- and the sum of their first-response times in hours (the mean is formed in analytics.support).
with high_priority as (
    select
        timezone($tz, created_at)::date as day,
        epoch(first_response_at - created_at) / 3600.0 as response_hours
    from tickets
    where priority in (select unnest($priorities))
      and first_response_at is not null
)
select
    day,
    count(*) as n_responded,
    sum(response_hours) as response_hours_sum
from high_priority
group by day
order by day
