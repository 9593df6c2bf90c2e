-- Makes: new rows in failure_readings; a line loaded by an earlier run is
--   left as it is (its key and its source line are already stored).
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
from stage_lines
where reject_reason is null
on conflict do nothing
