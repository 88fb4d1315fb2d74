-- Row counts per table of a PostgreSQL backup, counted in the very snapshot pg_dump read
-- (pg_export_snapshot + pg_dump --snapshot): what /backup verify expects a test restore to hold.
-- [{"table": "public_or_schema.name", "rows": N}, ...]; NULL when none were counted (command
-- targets, backups taken before this column, a database that refused the snapshot).
ALTER TABLE backups ADD COLUMN row_counts jsonb;
