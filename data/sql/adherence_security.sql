-- Security activities done on local days in [$start_day, $end_day), and the last of each activity
-- before $start_day (it opens that activity's first gap). One row per activity performed.
with in_period as (
    select activity_id, activity, done_on
    from security_activities
    where done_on >= $start_day
      and done_on < $end_day
),
last_before as (
    select activity_id, activity, done_on
    from security_activities
    where done_on < $start_day
    qualify row_number() over (partition by activity order by done_on desc, activity_id) = 1
)
select activity_id, activity, done_on from in_period
union all
select activity_id, activity, done_on from last_before
order by done_on, activity_id
