-- One row per local month in [$start_month, $end_month): the demand series the plan's growth
-- assumptions are about. active_users: monthly active users on the month's last observed day;
-- visits: site visits in the month; data_gb: data stored at the month's end, summed over the
-- services; tickets: support tickets opened in the month; days_observed: days with business data.
with months as (
    select unnest(range($start_month::date, $end_month::date, interval 1 month))::date as month
),
users as (
    select
        date_trunc('month', day)::date as month,
        arg_max(monthly_active_users, day) as active_users,
        sum(visits) as visits,
        count(*) as days_observed
    from active_users_daily
    left join business_daily using (day)
    where day >= $start_month and day < $end_month
    group by all
),
data_by_service as (
    select
        date_trunc('month', timezone($tz, hour_at))::date as month,
        service_id,
        max(data_gb) as data_gb
    from utilisation_hourly
    where hour_at >= $start and hour_at < $end
    group by all
),
data_volume as (
    select month, sum(data_gb) as data_gb
    from data_by_service
    group by month
),
ticket_counts as (
    select date_trunc('month', timezone($tz, created_at))::date as month, count(*) as tickets
    from tickets
    where created_at >= $start and created_at < $end
    group by all
)
select
    m.month,
    u.active_users,
    u.visits,
    d.data_gb,
    coalesce(t.tickets, 0) as tickets,
    coalesce(u.days_observed, 0) as days_observed
from months as m
left join users as u using (month)
left join data_volume as d using (month)
left join ticket_counts as t using (month)
order by m.month
