-- (Re)create the empty list of (service, hour) buckets whose utilisation_hourly rows are to be
-- recounted from utilisation_samples (a temp table: private to the connection and its transaction).
create or replace temp table _rollup_buckets (
    service_id varchar not null,
    hour_at timestamptz not null
)
