-- One row per local month in [$start_month, $end_month): the demand series the plan's growth
-- assumptions are about. active_users: monthly active users on the month's last observed day;
-- visits: site visits in the month; data_gb: data stored at the month's end, summed over the
-- services; days_observed: days with business data. (Tickets opened per month come from the
-- ticket rollup: data/baseline.py monthly_demand.)
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
)
select
    m.month,
    u.active_users,
    u.visits,
    d.data_gb,
    coalesce(u.days_observed, 0) as days_observed
from months as m
left join users as u using (month)
left join data_volume as d using (month)
order by m.month
