-- Open an episode: an alert the latest run found that has no active row.
insert into alert_log (rule, subject, first_seen_at, last_seen_at, since, value, threshold, message, link)
values ($rule, $subject, $seen_at, $seen_at, $since, $value, $threshold, $message, $link)
