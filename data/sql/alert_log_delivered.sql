-- Record that a notice of one episode was sent ($notice: 'new' or 'cleared').
update alert_log
set delivered_at = case when $notice = 'new' then $sent_at else delivered_at end,
    cleared_delivered_at = case when $notice = 'cleared' then $sent_at else cleared_delivered_at end
where rule = $rule and subject = $subject and first_seen_at = $first_seen_at
