-- Backup runs started in [$start, $end), and the last successful run finished at or before $start
-- (it opens the period's first gap between good backups). One row per run.
with in_period as (
    select run_id, kind, started_at, finished_at, is_success, is_restore_tested
    from backup_runs
    where started_at >= $start
      and started_at < $end
),
last_before as (
    select run_id, kind, started_at, finished_at, is_success, is_restore_tested
    from backup_runs
    where is_success
      and finished_at <= $start
    order by finished_at desc, run_id
    limit 1
)
select * from in_period
union
select * from last_before
order by started_at, run_id
