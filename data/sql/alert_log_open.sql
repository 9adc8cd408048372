-- One row per alert episode still active (not cleared), oldest first.
select rule, subject, first_seen_at, last_seen_at, since, value, threshold, message, link, delivered_at,
    acknowledged_by, acknowledged_at
from alert_log
where cleared_at is null
order by first_seen_at, rule, subject
