-- Scheduled maintenance windows overlapping [$start, $end). One row per window; service_id null = whole system.
select
    window_id,
    service_id,
    kind,
    starts_at,
    ends_at
from maintenance_windows
where starts_at < $end
  and ends_at > $start
order by starts_at, window_id
