-- One row per budget line: its actual spend summed over the months listed in $months (first days
-- of local months), and how many of those months recorded it.
select
    line,
    sum(amount_usd)::double as amount_usd,
    count(*) as n_months
from costs_monthly
where month in (select unnest($months::date[]))
group by line
order by line
