-- One row per audited write in [$start_at, $end_at), newest first; $action_name and $who ('' = all)
-- narrow it to one action and to actors whose name or e-mail contains $who.
select
    logged_at,
    actor_name,
    actor_email,
    actor_role,
    action,
    target,
    before_json,
    after_json,
    audit_id
from audit_log
where logged_at >= $start_at
    and logged_at < $end_at
    and ($action_name = '' or action = $action_name)
    and ($who = '' or contains(lower(actor_name || ' ' || actor_email), lower($who)))
order by logged_at desc, audit_id
limit 10000
