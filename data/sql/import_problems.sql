-- One row per problem one import attempt reported, in the order it reported them.
select
    problem_no,
    level,
    sheet,
    line,
    column_name,
    cell,
    value,
    rule,
    fix
from import_problems
where import_id = $import_id
order by problem_no
