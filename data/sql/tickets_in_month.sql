-- The tickets created in [$start, $end) (one month: the trend point clicked; or a period: an
-- Overview tile's records), in channels $channels (an empty list: all). One row per ticket, oldest
-- first.
select
    ticket_id,
    channel,
    priority,
    category,
    summary,
    created_at,
    first_response_at,
    resolved_at,
    escalation_count,
    max_tier,
    is_reopened
from tickets
where created_at >= $start and created_at < $end
  and (len($channels::varchar[]) = 0 or channel in (select unnest($channels::varchar[])))
order by created_at, ticket_id
