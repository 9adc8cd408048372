-- Whether the security schedule and the vendor outages are recorded at all (exists stops at the
-- first row): with no row a schedule or an SLA has no data, not "kept". One row per table.
select 'security_activities' as table_name, exists (select 1 from security_activities) as has_rows
union all select 'vendor_outages', exists (select 1 from vendor_outages)
