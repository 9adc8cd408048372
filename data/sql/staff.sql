-- One row per team member.
select staff_id, name, team, role, fte, hired_on, left_on
from staff
order by staff_id
