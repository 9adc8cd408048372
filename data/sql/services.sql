-- One row per service: the catalogue the filters and capacity views pick from.
select service_id, name, kind, is_customer_facing, instances, instance_rps_capacity
from services
order by service_id
