-- utilisation_hourly rows for the (service, hour) buckets listed in _rollup_buckets, from the
-- samples in them ($start, $end: the first listed hour and the end of the last, so zone maps
-- prune the scan). Each column keeps what utilisation_hourly means for a service in an hour (as
-- data/demo.py fills it and the monitoring, capacity, growth and scenario queries read it):
--   cpu_pct, memory_pct, network_latency_ms: the mean over the service's hosts of each host's
--     hourly mean (the service's average load; a host that sent fewer samples still counts once);
--   disk_pct: the max over hosts and samples (the fullest volume: a service is out of disk when
--     its first host is);
--   response_time_p95_ms: the max of the samples' p95s. The hour's true p95 over all requests is
--     never above the largest p95 of its parts, so this is its tightest bound from the samples
--     and never hides a breach (a p95 of p95s could);
--   error_rate_pct: request-weighted (errors / requests over the hour: sum(rate x rps) / sum(rps));
--     the plain mean where no request rate was sampled;
--   requests_per_s: the sum over hosts of each host's hourly mean (the service's throughput);
--   data_gb: the sum over hosts of each host's last sample in the hour (data stored at hour end).
-- Floating-point sums depend on the order of their terms: every average and sum runs in a fixed
-- order (samples by time, hosts by id), so the same samples always give the same bits.
insert into utilisation_hourly (service_id, hour_at, cpu_pct, memory_pct, disk_pct, network_latency_ms,
    response_time_p95_ms, error_rate_pct, requests_per_s, data_gb)
with samples as (
    select s.*, date_trunc('hour', s.sampled_at) as hour_at
    from utilisation_samples as s
    where s.sampled_at >= $start and s.sampled_at < $end
),
bucket_samples as (
    select samples.*
    from samples
    semi join _rollup_buckets as b on b.service_id = samples.service_id and b.hour_at = samples.hour_at
),
host_hours as (
    select
        service_id,
        host_id,
        hour_at,
        avg(cpu_pct order by sampled_at) as cpu_pct,
        avg(memory_pct order by sampled_at) as memory_pct,
        max(disk_pct) as disk_pct,
        avg(network_latency_ms order by sampled_at) as network_latency_ms,
        max(response_time_p95_ms) as response_time_p95_ms,
        sum(error_rate_pct * requests_per_s order by sampled_at) as errors_per_s,
        sum(requests_per_s order by sampled_at) filter (where error_rate_pct is not null) as weighed_requests_per_s,
        avg(error_rate_pct order by sampled_at) as error_rate_pct,
        avg(requests_per_s order by sampled_at) as requests_per_s,
        arg_max(data_gb, sampled_at) filter (where data_gb is not null) as data_gb
    from bucket_samples
    group by all
)
select
    service_id,
    hour_at,
    avg(cpu_pct order by host_id) as cpu_pct,
    avg(memory_pct order by host_id) as memory_pct,
    max(disk_pct) as disk_pct,
    avg(network_latency_ms order by host_id) as network_latency_ms,
    max(response_time_p95_ms) as response_time_p95_ms,
    coalesce(sum(errors_per_s order by host_id) / nullif(sum(weighed_requests_per_s order by host_id), 0),
             avg(error_rate_pct order by host_id)) as error_rate_pct,
    sum(requests_per_s order by host_id) as requests_per_s,
    sum(data_gb order by host_id) as data_gb
from host_hours
group by all
order by hour_at, service_id
