-- One row per table a KPI reads: whether it holds any row (exists stops at the first one). A
-- KPI whose input holds no row and no recorded span has no data, not 0.
select 'incidents' as table_name, exists (select 1 from incidents) as has_rows
union all select 'tickets', exists (select 1 from tickets)
union all select 'survey_responses', exists (select 1 from survey_responses)
union all select 'self_service_sessions', exists (select 1 from self_service_sessions)
union all select 'costs_monthly', exists (select 1 from costs_monthly)
union all select 'business_daily', exists (select 1 from business_daily)
union all select 'active_users_daily', exists (select 1 from active_users_daily)
union all select 'routine_tasks', exists (select 1 from routine_tasks)
union all select 'staff', exists (select 1 from staff)
union all select 'certifications', exists (select 1 from certifications)
union all select 'training_log', exists (select 1 from training_log)
