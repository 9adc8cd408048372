-- One row per service and local day in [$start, $end) (local midnights): the busy-hour level of
-- each capacity resource, the 90th percentile of the day's hourly samples (the level its busiest
-- hours reach, one stray spike ignored). Requests are also given as a share of the fleet's
-- capacity today (instances x requests per second one instance serves). Every service at once:
-- the capacity page ranks them all, and one scan costs a third of ten (100M samples: 53 against
-- 136-166 ms).
with fleet as (
    select service_id, instances * instance_rps_capacity as fleet_rps
    from services
),
samples as (
    select
        u.service_id,
        timezone($tz, u.hour_at)::date as day,
        u.cpu_pct,
        u.memory_pct,
        u.disk_pct,
        u.requests_per_s,
        100.0 * u.requests_per_s / f.fleet_rps as requests_pct,
        u.data_gb
    from utilisation_hourly as u
    join fleet as f using (service_id)
    where u.hour_at >= $start and u.hour_at < $end
)
select
    service_id,
    day,
    quantile_cont(cpu_pct, 0.9) as cpu_pct,
    quantile_cont(memory_pct, 0.9) as memory_pct,
    quantile_cont(disk_pct, 0.9) as disk_pct,
    quantile_cont(requests_pct, 0.9) as requests_pct,
    quantile_cont(requests_per_s, 0.9) as requests_per_s,
    max(data_gb) as data_gb,
    count(*) as hours_observed
from samples
group by service_id, day
order by service_id, day
