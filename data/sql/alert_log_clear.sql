-- Close an active episode the latest run no longer found.
update alert_log
set cleared_at = $seen_at
where rule = $rule and subject = $subject and cleared_at is null
