-- One row per local day of ticket resolution and channel: tickets resolved, and those resolved
-- at first contact (no escalation, not reopened). The scorecard sums every channel.
with resolved as (
    select
        timezone($tz, resolved_at)::date as day,
        channel,
        escalation_count = 0 and not is_reopened as is_first_contact
    from tickets
    where resolved_at >= $start and resolved_at < $end  -- local-midnight bounds of the span
)
select
    day,
    channel,
    count(*) as n_resolved,
    count(*) filter (where is_first_contact) as n_first_contact
from resolved
group by all
order by day, channel
