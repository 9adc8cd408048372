-- Changes deployed in [$start, $end), with when each was requested and reviewed. One row per change.
select
    change_id,
    service_id,
    category,
    deployed_at,
    is_rolled_back,
    requested_at,
    reviewed_at
from changes
where deployed_at >= $start
  and deployed_at < $end
order by deployed_at, change_id
