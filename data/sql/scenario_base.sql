-- One row: the volumes a scenario starts from, over the $months full months before $end_month
-- (local months): monthly active users at the last month's end, user-months, tickets per
-- channel, revenue, and today's fleet (instances, data volume, peak CPU).
with months as (
    select
        date_trunc('month', day)::date as month,
        max(monthly_active_users) filter (where day = last_day(day)) as active_users
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
last_day_samples as (
    select service_id, max(data_gb) as data_gb, quantile_cont(cpu_pct, 0.95) as cpu_p95
    from utilisation_hourly
    where hour_at >= $recent_from and hour_at < $recent_to
    group by service_id
)
select
    (select active_users from months order by month desc limit 1) as active_users,
    (select sum(active_users) from months) as user_months,
    (select count(*) from months) as n_months,
    tickets_by_channel.*,
    revenue.revenue_usd,
    fleet.instances,
    (select sum(data_gb) from last_day_samples) as data_gb,
    (select avg(cpu_p95) from last_day_samples) as cpu_p95_pct
from tickets_by_channel, revenue, fleet
