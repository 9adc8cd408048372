-- Changes deployed in [$start, $end), for a warehouse whose changes table predates requested_at and
-- reviewed_at (opened read-only, not yet migrated). One row per change.
select
    change_id,
    service_id,
    category,
    deployed_at,
    is_rolled_back
from changes
where deployed_at >= $start
  and deployed_at < $end
order by deployed_at, change_id
