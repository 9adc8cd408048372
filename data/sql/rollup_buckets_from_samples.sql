-- Add the (service, hour) buckets of the stored samples taken in [$start, $end).
insert into _rollup_buckets
select distinct service_id, date_trunc('hour', sampled_at) as hour_at
from utilisation_samples
where sampled_at >= $start and sampled_at < $end
