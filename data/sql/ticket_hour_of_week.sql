-- One row per local day of creation, channel and local hour of week (0 = Monday 00:00) with
-- tickets created in [$start, $end): the volume shape that staffing works from (summed over
-- the days of a period; per day so that it can be kept as a rollup, data/event_rollups.py).
select
    timezone($tz, created_at)::date as day,
    channel,
    (isodow(timezone($tz, created_at)) - 1) * 24 + hour(timezone($tz, created_at)) as hour_of_week,
    count(*) as n_tickets
from tickets
where created_at >= $start and created_at < $end
group by all
order by day, channel, hour_of_week
