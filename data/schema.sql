-- opsplan warehouse schema. Each table is headed by its grain.
-- Timestamps are TIMESTAMPTZ (UTC inside); dates are local plan dates (Asia/Bangkok).
-- Money is USD, shares are percent (0-100) unless the column says otherwise.

-- One row per schema migration applied.
create table if not exists schema_version (
    version integer primary key,
    applied_at timestamptz not null default now()
);

-- One row per service (application, API, database ...).
create table if not exists services (
    service_id varchar primary key,
    name varchar not null,
    kind varchar not null,                      -- web, api, database, worker, payments ...
    is_customer_facing boolean not null,        -- counts in system uptime
    instances integer not null check (instances >= 0),
    instance_rps_capacity double not null check (instance_rps_capacity > 0)
);

-- One row per unplanned incident.
create table if not exists incidents (
    incident_id varchar primary key,
    service_id varchar not null references services (service_id),
    severity varchar not null check (severity in ('critical', 'high', 'medium', 'low')),
    impact varchar not null check (impact in ('outage', 'degraded', 'none')),  -- outage: full outage
    started_at timestamptz not null,
    detected_at timestamptz not null,
    acknowledged_at timestamptz,
    resolved_at timestamptz,                   -- null: still open
    escalated_at timestamptz,                  -- first escalation to the next level, null: never
    escalation_level integer not null default 1 check (escalation_level between 1 and 4),
    is_change_related boolean not null default false,
    summary varchar,
    check (detected_at >= started_at),
    check (acknowledged_at is null or acknowledged_at >= detected_at),
    check (resolved_at is null or resolved_at >= started_at)
);

-- One row per scheduled maintenance window that was used. service_id null: the whole system.
create table if not exists maintenance_windows (
    window_id varchar primary key,
    service_id varchar references services (service_id),
    kind varchar not null,                     -- daily, weekly, monthly, security_patch
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    check (ends_at > starts_at)
);

-- One row per change deployed (incidents cluster after changes).
create table if not exists changes (
    change_id varchar primary key,
    service_id varchar not null references services (service_id),
    category varchar not null check (category in ('emergency', 'standard', 'minor')),
    deployed_at timestamptz not null,
    is_rolled_back boolean not null default false
);

-- When a change was requested and when it was reviewed after deployment (both optional: exports
-- without them still import; lead time and the emergency review are then not judged).
alter table changes add column if not exists requested_at timestamptz;
alter table changes add column if not exists reviewed_at timestamptz;

-- One row per support ticket.
create table if not exists tickets (
    ticket_id varchar primary key,
    channel varchar not null check (channel in ('live_chat', 'email', 'phone')),
    priority varchar not null check (priority in ('critical', 'high', 'medium', 'low')),
    category varchar not null,
    is_simple boolean not null default false,  -- "simple issue" for the live chat resolution SLA
    created_at timestamptz not null,
    first_response_at timestamptz,
    resolved_at timestamptz,
    escalation_count integer not null default 0 check (escalation_count >= 0),
    max_tier integer not null default 1 check (max_tier between 1 and 3),
    is_reopened boolean not null default false,
    summary varchar,
    check (first_response_at is null or first_response_at >= created_at),
    check (resolved_at is null or resolved_at >= created_at)
);

-- One row per post-interaction survey response.
create table if not exists survey_responses (
    response_id varchar primary key,
    ticket_id varchar references tickets (ticket_id),
    submitted_at timestamptz not null,
    score integer not null check (score between 1 and 5)
);

-- One row per self-service session (knowledge base, chatbot, tutorials).
create table if not exists self_service_sessions (
    session_id varchar primary key,
    started_at timestamptz not null,
    source varchar not null,                   -- knowledge_base, chatbot, video, forum
    ticket_id varchar references tickets (ticket_id),  -- the agent ticket it led to, null: none
    is_resolved boolean not null               -- the user marked the issue solved
);

-- One row per budget line per month (actual spend).
create table if not exists costs_monthly (
    month date not null,                       -- first day of the month
    line varchar not null,                     -- budget line name in plan.toml
    amount_usd decimal(14, 2) not null check (amount_usd >= 0),
    primary key (month, line)
);

-- One row per day: revenue and business metrics.
create table if not exists business_daily (
    day date primary key,
    revenue_usd decimal(14, 2) not null check (revenue_usd >= 0),
    visits integer not null check (visits >= 0),
    orders integer not null check (orders >= 0),
    order_processing_minutes_p95 double,
    failed_logins_peak_hour integer not null default 0,
    suspicious_events integer not null default 0
);

-- One row per day: distinct active users that day and over the trailing 30 days.
create table if not exists active_users_daily (
    day date primary key,
    daily_active_users integer not null check (daily_active_users >= 0),
    monthly_active_users integer not null check (monthly_active_users >= 0)
);

-- One row per service per hour: utilisation and application metrics.
create table if not exists utilisation_hourly (
    service_id varchar not null references services (service_id),
    hour_at timestamptz not null,              -- start of the hour
    cpu_pct double,
    memory_pct double,
    disk_pct double,
    network_latency_ms double,
    response_time_p95_ms double,
    error_rate_pct double,
    requests_per_s double,
    data_gb double,
    primary key (service_id, hour_at)
);

-- One row per database service per hour.
create table if not exists database_hourly (
    service_id varchar not null references services (service_id),
    hour_at timestamptz not null,
    query_time_p95_ms double,
    connection_pool_pct double,
    deadlocks integer not null default 0,
    replication_lag_s double,
    primary key (service_id, hour_at)
);

-- One row per routine maintenance task in the catalogue.
create table if not exists routine_tasks (
    task_id varchar primary key,
    name varchar not null,
    cadence varchar not null,                  -- daily, weekly, monthly, quarterly
    created_on date not null,
    automated_on date,                         -- null: still manual
    retired_on date
);

-- One row per team member.
create table if not exists staff (
    staff_id varchar primary key,
    name varchar not null,
    team varchar not null,                     -- tier1, tier2, tier3, maintenance
    role varchar not null,
    fte double not null default 1.0,
    hired_on date not null,
    left_on date
);

-- One row per certification held by a team member.
create table if not exists certifications (
    staff_id varchar not null references staff (staff_id),
    certification varchar not null,
    earned_on date not null,
    expires_on date,
    primary key (staff_id, certification, earned_on)
);

-- One row per training session attended.
create table if not exists training_log (
    staff_id varchar not null references staff (staff_id),
    day date not null,
    topic varchar not null,
    hours double not null check (hours > 0)
);

-- One row per backup run.
create table if not exists backup_runs (
    run_id varchar primary key,
    kind varchar not null check (kind in ('full', 'incremental', 'transaction_log')),
    started_at timestamptz not null,
    finished_at timestamptz,
    is_success boolean not null,
    size_gb double,
    is_restore_tested boolean not null default false
);

-- One row per disaster-recovery test.
create table if not exists dr_tests (
    test_id varchar primary key,
    tested_on date not null,
    scenario varchar not null,                 -- database_failure, application_server_failure, regional_outage
    recovery_minutes double not null,
    data_loss_minutes double not null,
    is_passed boolean not null
);

-- Security activities: patching, audits, access reviews, penetration tests, API key rotations.
-- One row per security activity performed, on its local day.
create table if not exists security_activities (
    activity_id varchar primary key,
    activity varchar not null check (activity in ('patching', 'internal_audit', 'external_audit',
                                                  'access_review', 'penetration_test', 'api_key_rotation')),
    done_on date not null,
    note varchar
);

-- One row per outage of a critical vendor (cloud, database) as the vendor's status page records it.
create table if not exists vendor_outages (
    outage_id varchar primary key,
    vendor varchar not null,                   -- the plan's vendor key: aws, supabase
    started_at timestamptz not null,
    ended_at timestamptz not null,
    check (ended_at > started_at)
);

-- Import bookkeeping

-- One row per import attempt that was not a dry run (imported, rejected or told to retry).
create table if not exists import_log (
    import_id varchar primary key,             -- uuid
    file_name varchar not null,                -- sanitised display name; never used as a path
    upload_name varchar,                       -- the original bytes kept as <db>.uploads/<upload_name>; null: not kept
    content_sha256 varchar not null,
    table_name varchar not null,
    mode varchar not null,                     -- append, upsert, replace
    user_name varchar not null,
    imported_at timestamptz not null,
    rows_read integer not null,
    rows_inserted integer not null,
    rows_updated integer not null,
    rows_skipped integer not null,             -- identical (or older) rows already in the warehouse
    rows_deleted integer not null,             -- replace mode: rows not in the file
    rows_rejected integer not null,
    outcome varchar not null check (outcome in ('imported', 'rejected', 'retry', 'failed')),
    options_json varchar not null              -- the reading options, so a result can be reproduced
);

-- The span of time each import speaks for, so that a KPI counts the hours a source covers and
-- not only those between its first and last record: an incident export with no incident in
-- March still says March had none. Written in the import's transaction (data/spans.py states how
-- a span is inferred per table, or the user declares it) and by the demo build.
-- One row per import (or demo build) per table it wrote.
create table if not exists covered_spans (
    import_id varchar not null,                -- import_log's; a demo build's own id
    table_name varchar not null,
    first_day date,                            -- first local day the file speaks for; null: a snapshot (services, staff)
    last_day date not null,                    -- last local day it speaks for
    through_at timestamptz,                    -- where it stops inside last_day (the moment of the export); null: at its end
    how varchar not null check (how in ('inferred', 'declared', 'generated')),
    recorded_at timestamptz not null,          -- when it was imported (built)
    primary key (import_id, table_name)
);

-- One row per problem reported by an import attempt (errors, warnings and notes).
create table if not exists import_problems (
    import_id varchar not null,
    problem_no integer not null,
    level varchar not null check (level in ('error', 'warning', 'info')),
    sheet varchar,
    line integer,                              -- file line (CSV), sheet row (Excel) or row number (Parquet)
    column_name varchar,
    cell varchar,                              -- Excel cell, e.g. C5
    value varchar,
    rule varchar not null,
    fix varchar,
    primary key (import_id, problem_no)
);

-- Saved scenarios

-- A scenario is saved as its drivers (models.scenario.Drivers as JSON) and horizon; the base it starts
-- from (users, fleet) is measured again when it is opened.
-- One row per saved scenario: its name, drivers, horizon, who saved it and when.
create table if not exists saved_scenarios (
    scenario_id varchar primary key,           -- uuid
    name varchar not null unique,
    author varchar not null,
    saved_at timestamptz not null,
    drivers_json varchar not null,             -- {"driver name": value, ...}
    months integer not null check (months between 1 and 120),
    note varchar not null default ''
);

-- Rollups: summaries of raw hourly rows, kept by data/rollups.py on demo build and on every
-- import (inside the import's transaction), so that page loads do not grow with raw rows.

-- The plan's sampled thresholds and time zone when the rollup below was built (a plan with
-- other thresholds reads the raw rows).
-- One row per monitored metric the threshold rollup counts against.
create table if not exists threshold_rollup_config (
    metric varchar primary key,
    op varchar not null,
    limit_value double not null,
    tz varchar not null
);

-- Hours observed, hours beyond the threshold, and of those the hours a maintenance window of
-- the whole system or of that service overlapped. Derived from utilisation_hourly,
-- database_hourly and maintenance_windows; never edited by hand.
-- One row per service, local day (in the config's zone) and monitored metric with samples.
create table if not exists threshold_hours_daily (
    service_id varchar not null,
    day date not null,
    metric varchar not null,
    hours_observed bigint not null,
    hours_beyond bigint not null,
    hours_beyond_in_maintenance bigint not null
);

-- The parameters and query text each event rollup (data/event_rollups.py) was built for; the
-- rollups themselves are the tables rollup_<query>, shaped by their data/sql/<query>.sql.
-- One row per rolled-up query.
create table if not exists event_rollup_config (
    query varchar primary key,
    fingerprint varchar not null,              -- sha256 of the parameters and the query's text
    params varchar not null                    -- JSON: the parameters besides $start/$end
);

-- Every import that recounts a family of rollups bumps the family's row in its transaction, so
-- two such imports at once meet a write-write conflict (the later is asked to retry) instead of
-- each recounting without the other's rows. Row 1 also counts the imports of the event rollups'
-- source tables; when import_log has more (a writer that did not recount them),
-- data/event_rollups.ensure rebuilds them.
-- One row per rollup family (1: the event rollups, 2: the hourly and threshold rollups).
create table if not exists rollup_turn (
    family integer primary key,
    generation bigint not null
);

-- ---------------------------------------------------------------------------
-- Audit (issue #7): who changed what. Written by data/audit.py inside the same transaction as
-- the write it records; read on the Admin page.

-- One row per write: an import, a scenario save or delete, a plan edit, a backup.
create table if not exists audit_log (
    audit_id varchar primary key,              -- uuid
    logged_at timestamptz not null,
    actor_name varchar not null,
    actor_email varchar not null,              -- '' for the local user and the command line
    actor_role varchar not null,
    action varchar not null,                   -- data/access.py action names: import, save_scenario, ...
    target varchar not null,                   -- what was changed: table, scenario name, plan file, backup folder
    before_json varchar,                       -- the state before, as JSON; null: nothing before or not kept
    after_json varchar                         -- the state after, as JSON; null: deleted
);

-- ---------------------------------------------------------------------------
-- Raw monitoring samples (issue #6 item 2). Rolled up on import, inside the import's transaction,
-- into utilisation_hourly by data/rollups.py (data/sql/utilisation_hourly_rollup_build.sql states
-- the aggregation of each column); pages read the rollups, never these rows. For the (service,
-- hour) buckets that samples cover, the samples win: their hourly row is derived from them, and a
-- direct utilisation_hourly import of such a bucket is rejected.

-- One row per host per sample (typically one a minute).
create table if not exists utilisation_samples (
    service_id varchar not null references services (service_id),
    host_id varchar not null,                  -- host, VM or container of the service
    sampled_at timestamptz not null,
    cpu_pct double,                            -- the host's
    memory_pct double,
    disk_pct double,                           -- the host's fullest volume
    network_latency_ms double,
    response_time_p95_ms double,               -- p95 of the host's requests over the sample interval
    error_rate_pct double,
    requests_per_s double,                     -- requests per second the host served
    data_gb double,                            -- data stored on the host
    primary key (service_id, host_id, sampled_at)
);

-- ---------------------------------------------------------------------------
-- Sign-outs (data/sessions.py): an identity cookie issued before its identity's last sign-out is
-- refused, so a copied cookie cannot sign back in.
-- One row per signed-in identity (issuer and subject of the provider's token) that signed out: the last time.
create table if not exists signed_out (
    issuer varchar not null,
    subject varchar not null,
    signed_out_at timestamptz not null,
    primary key (issuer, subject)
);

-- ---------------------------------------------------------------------------
-- Alerts (data/alert_log.py): what `python -m alerts.check --deliver` found, when it was sent and
-- cleared, and who acknowledged it. Written in one transaction per check run, and by the Overview's
-- Acknowledge button.
-- An episode runs from the check that first finds an alert (a rule and subject) to the first that no
-- longer does (cleared_at); the same alert found again later opens a new row.
-- One row per alert episode: rule, subject and the run that first found it.
create table if not exists alert_log (
    rule varchar not null,                     -- kpi_off_track, budget_over, capacity_crossing, data_stale, sla_below_floor
    subject varchar not null,                  -- what it is about: a KPI key, budget line, service and resource ...
    first_seen_at timestamptz not null,        -- the check run that first found it
    last_seen_at timestamptz not null,         -- the latest run that still found it
    cleared_at timestamptz,                    -- the first run that no longer found it; null: active
    since varchar,                             -- the alert's own start as the check reports it (ISO date)
    value double,                              -- the measured value at the latest run
    threshold double,                          -- the line it is judged against
    message varchar not null,                  -- the sentence sent and shown
    link varchar not null,                     -- the page's URL path with the period
    delivered_at timestamptz,                  -- when the "new" notice was sent; null: not yet
    cleared_delivered_at timestamptz,          -- when the "cleared" notice was sent
    acknowledged_by varchar,                   -- who acknowledged it on the Overview
    acknowledged_at timestamptz,
    primary key (rule, subject, first_seen_at)
);

-- A signed-in user's language (ui/language.py): the sidebar's switch, remembered across sessions.
-- One row per signed-in identity (issuer and subject of the provider's token) that chose a language: the last choice.
create table if not exists user_preferences (
    issuer     varchar not null,
    subject    varchar not null,
    language   varchar not null check (language in ('en', 'th')),
    updated_at timestamptz not null,
    primary key (issuer, subject)
);
