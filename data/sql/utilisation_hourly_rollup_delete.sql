-- Clear the utilisation_hourly rows of the listed buckets before they are counted again from the
-- samples (a bucket whose samples are all gone keeps no row: it was derived from them).
delete from utilisation_hourly as u
using _rollup_buckets as b
where u.service_id = b.service_id and u.hour_at = b.hour_at
