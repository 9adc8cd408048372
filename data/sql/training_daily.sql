-- One row per team member per day with training: hours trained.
select staff_id, day, sum(hours) as hours
from training_log
group by staff_id, day
order by day, staff_id
