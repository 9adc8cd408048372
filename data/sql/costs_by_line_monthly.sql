-- One row per budget line and month in [$start_month, $end_month): actual spend.
select
    month,
    line,
    amount_usd::double as amount_usd
from costs_monthly
where month >= $start_month and month < $end_month
order by month, line
