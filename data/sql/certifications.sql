-- One row per certification held by a team member.
select staff_id, certification, earned_on, expires_on
from certifications
order by staff_id, earned_on
