-- One row per month: infrastructure and support spend (lines named by the plan's settings),
-- revenue, and monthly active users on the month's last day (both null while the month is open:
-- a share of a month's revenue would be a share of the days recorded so far).
with costs as (
    select
        month,
        sum(amount_usd) filter (where line in (select unnest($infra_lines)))::double as infra_usd,
        sum(amount_usd) filter (where line in (select unnest($support_lines)))::double as support_usd
    from costs_monthly
    group by month
),
revenue as (
    select
        date_trunc('month', day)::date as month,
        sum(revenue_usd)::double as revenue_usd
    from business_daily
    group by all
    having max(day) = last_day(max(day))  -- the month's last day recorded
),
month_end_users as (
    select
        date_trunc('month', day)::date as month,
        monthly_active_users as active_users
    from active_users_daily
    where day = last_day(day)
)
select
    month,
    costs.infra_usd,
    costs.support_usd,
    revenue.revenue_usd,
    month_end_users.active_users
from costs
full join revenue using (month)
full join month_end_users using (month)
order by month
