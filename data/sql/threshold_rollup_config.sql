-- One row per monitored metric the threshold rollup counts against: its threshold and zone.
select metric, op, limit_value, tz
from threshold_rollup_config
order by metric
