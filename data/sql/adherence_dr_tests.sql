-- Disaster-recovery drills tested on local days in [$start_day, $end_day). One row per drill.
select
    test_id,
    tested_on,
    scenario,
    recovery_minutes,
    data_loss_minutes,
    is_passed
from dr_tests
where tested_on >= $start_day
  and tested_on < $end_day
order by tested_on, test_id
