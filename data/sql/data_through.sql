-- One row: the first and last local day with business data (what the warehouse covers).
select
    min(day) as first_day,
    max(day) as last_day
from business_daily
