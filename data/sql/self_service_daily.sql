-- One row per local day: self-service sessions started, those resolved with no agent ticket,
-- and agent tickets created that no self-service session led to.
with sessions as (
    select
        timezone($tz, started_at)::date as day,
        count(*) as n_sessions,
        count(*) filter (where is_resolved and ticket_id is null) as n_self_resolved
    from self_service_sessions
    where started_at >= $start and started_at < $end  -- local-midnight bounds of the span
    group by all
),
direct_tickets as (
    select
        timezone($tz, t.created_at)::date as day,
        count(*) as n_direct_tickets
    from tickets as t
    anti join self_service_sessions as s on s.ticket_id = t.ticket_id
    where t.created_at >= $start and t.created_at < $end
    group by all
)
select
    coalesce(sessions.day, direct_tickets.day) as day,
    coalesce(n_sessions, 0) as n_sessions,
    coalesce(n_self_resolved, 0) as n_self_resolved,
    coalesce(n_direct_tickets, 0) as n_direct_tickets
from sessions
full join direct_tickets using (day)
order by day
