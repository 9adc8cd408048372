-- Vendor outages overlapping [$start, $end). One row per outage.
select
    outage_id,
    vendor,
    started_at,
    ended_at
from vendor_outages
where started_at < $end
  and ended_at > $start
order by started_at, outage_id
