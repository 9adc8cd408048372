-- One row per notice not sent yet: an active episode not announced ('new'), or a cleared one whose
-- clearing is not ('cleared'; only when its start was announced: an alert found and gone between
-- two sends is not news).
select 'new' as notice, rule, subject, first_seen_at, since, value, threshold, message, link
from alert_log
where cleared_at is null and delivered_at is null
union all
select 'cleared' as notice, rule, subject, first_seen_at, since, value, threshold, message, link
from alert_log
where cleared_at is not null and delivered_at is not null and cleared_delivered_at is null
order by notice desc, first_seen_at, rule, subject
