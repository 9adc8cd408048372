-- One row per table with a recorded span (covered_spans): the first instant any of its imports
-- speaks for (null: snapshots only), the instant the latest runs through, when it was last
-- imported, and whether that latest import's span was inferred or declared. Days are local to $tz.
with spans as (
    select
        table_name,
        timezone($tz, first_day::timestamp) as from_at,
        coalesce(through_at, timezone($tz, (last_day + 1)::timestamp)) as through_at,
        how,
        recorded_at
    from covered_spans
)
select
    table_name,
    min(from_at) as first_at,
    max(through_at) as through_at,
    max(recorded_at) as last_imported_at,
    arg_max(how, recorded_at) as how,
    count(*) as n_imports
from spans
group by table_name
order by table_name
