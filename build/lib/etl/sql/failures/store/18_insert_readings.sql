-- Makes: new rows in failure_readings; a line loaded by an earlier run (same
--   file, same line) is left as it is. Every other key conflict was flagged
--   before (03_parse_lines.sql in the chunk, 17_flag_stored_readings.sql
--   against the store), so no `on conflict` is needed: DuckDB's is very slow
--   on a table with several unique indexes.
-- From: stage_lines (rows without a reject_reason).
-- Parameters: none. Portable SQL: runs on PostgreSQL and DuckDB.
insert into failure_readings (
    sensor_id, logged_at, level, temperature, vibration, measurements, source_file, line_no
)
select
    sensor_id,
    logged_at,
    level,
    temperature,
    vibration,
    measurements,
    source_file,
    line_no
from stage_lines as s
where
    s.reject_reason is null
    and not exists (
        select 1
        from failure_readings as r
        where r.source_file = s.source_file and r.line_no = s.line_no
    )
