-- An active episode found again: its latest run and values.
update alert_log
set last_seen_at = $seen_at, since = $since, value = $value, threshold = $threshold, message = $message, link = $link
where rule = $rule and subject = $subject and cleared_at is null
