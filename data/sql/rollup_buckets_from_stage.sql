-- Add the (service, hour) buckets of the samples an import is writing (its staging table).
insert into _rollup_buckets
select distinct service_id, date_trunc('hour', sampled_at) as hour_at
from _import_stage
where service_id is not null and sampled_at is not null
