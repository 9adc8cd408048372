-- One row per import attempt (not dry runs), newest first: what was read and what it did.
select
    import_id,
    imported_at,
    file_name,
    table_name,
    mode,
    user_name,
    outcome,
    rows_read,
    rows_inserted,
    rows_updated,
    rows_skipped,
    rows_deleted,
    rows_rejected,
    content_sha256
from import_log
order by imported_at desc, import_id
limit $limit
