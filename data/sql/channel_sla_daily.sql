-- One row per local day of ticket creation and channel: tickets, those first answered within
-- the channel's target, and those resolved within it where the plan sets one (live chat:
-- simple issues only). Targets are bound lists aligned with $channels.
with targets as (
    select
        unnest($channels) as channel,
        unnest($response_seconds) as response_seconds,
        unnest($resolution_minutes) as resolution_minutes,
        unnest($simple_only) as is_simple_only
),
scored as (
    select
        timezone($tz, t.created_at)::date as day,
        t.channel,
        coalesce(epoch(t.first_response_at - t.created_at) <= g.response_seconds, false) as is_response_within,
        g.resolution_minutes > 0 and (t.is_simple or not g.is_simple_only) as is_resolution_applicable,
        coalesce(epoch(t.resolved_at - t.created_at) <= g.resolution_minutes * 60, false) as is_resolution_within
    from tickets as t
    join targets as g using (channel)
    where t.created_at >= $start and t.created_at < $end  -- local-midnight bounds of the span
)
select
    day,
    channel,
    count(*) as n_tickets,
    count(*) filter (where is_response_within) as n_response_within,
    count(*) filter (where is_resolution_applicable) as n_resolution_applicable,
    count(*) filter (where is_resolution_applicable and is_resolution_within) as n_resolution_within
from scored
group by all
order by day, channel
