-- Acknowledge an active episode: who and when (a second acknowledgement keeps the first).
update alert_log
set acknowledged_by = $acknowledged_by, acknowledged_at = $acknowledged_at
where rule = $rule and subject = $subject and cleared_at is null and acknowledged_at is null
returning rule
