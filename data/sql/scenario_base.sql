-- One row: the volumes a scenario starts from, over the local months [$start_month, $end_month):
-- monthly active users on the last day the data covers, user-months, tickets per channel,
-- revenue, and today's fleet (instances, data volume, peak CPU over the last 7 days of samples).
-- A month the data covers only in part (it runs through the 26th) counts as that part of a
-- user-month, so per-user rates over it are not diluted by the days it has no tickets or revenue.
with months as (
    select
        date_trunc('month', day)::date as month,
        arg_max(monthly_active_users, day) as active_users,
        count(distinct day) / day(last_day(any_value(day)))::double as covered
    from active_users_daily
    where day >= $start_month and day < $end_month
    group by all
),
tickets_by_channel as (
    select
        count(*) as n_tickets,
        count(*) filter (where channel = 'live_chat') as n_live_chat,
        count(*) filter (where channel = 'email') as n_email,
        count(*) filter (where channel = 'phone') as n_phone
    from tickets
    -- bounds converted once, not every row: the ticket table is the largest one read here
    where created_at >= timezone($tz, $start_month::timestamp) and created_at < timezone($tz, $end_month::timestamp)
),
revenue as (
    select sum(revenue_usd)::double as revenue_usd
    from business_daily
    where day >= $start_month and day < $end_month
),
fleet as (
    select sum(instances) as instances from services
),
last_sample as (
    select max(hour_at) as last_at from utilisation_hourly where hour_at < $recent_to
),
last_day_samples as (
    select service_id, max(data_gb) as data_gb, quantile_cont(cpu_pct, 0.95) as cpu_p95
    from utilisation_hourly, last_sample
    where hour_at > last_at - interval 7 days and hour_at <= last_at
    group by service_id
)
select
    (select active_users from months order by month desc limit 1) as active_users,
    (select sum(active_users * covered) from months) as user_months,
    (select sum(covered) from months) as n_months,
    tickets_by_channel.*,
    revenue.revenue_usd,
    fleet.instances,
    (select sum(data_gb) from last_day_samples) as data_gb,
    (select avg(cpu_p95) from last_day_samples) as cpu_p95_pct
from tickets_by_channel, revenue, fleet
