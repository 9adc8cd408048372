-- One row: whether the warehouse holds any incident (a span is then known from the records
-- themselves when no import recorded one).
select exists (select 1 from incidents) as has_incidents
