-- One row: the first and last hour in the list of buckets to recount (nulls: none).
select min(hour_at) as first_at, max(hour_at) as last_at
from _rollup_buckets
