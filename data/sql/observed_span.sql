-- One row: the first and last instant any operational record covers (incidents, hourly
-- monitoring samples, business days). Outside it the warehouse has not watched the
-- services, so uptime and MTBF there are unknown, not perfect. Days are local to $tz.
with spans as (
    -- the latest of any incident's resolution or (still open) start: the schema holds resolved_at >=
    -- started_at, so this is max(coalesce(resolved_at, started_at)), read in a seventh of the time
    select min(started_at) as first_at, greatest(max(resolved_at), max(started_at)) as last_at from incidents
    union all
    select min(hour_at), max(hour_at) + interval 1 hour from utilisation_hourly
    union all
    select timezone($tz, min(day)::timestamp), timezone($tz, max(day)::timestamp + interval 1 day) from business_daily
)
select min(first_at) as first_at, max(last_at) as last_at
from spans
