-- Makes: stage_lines.reject_reason set for readings whose natural key
--   (sensor_id, logged_at, level) is already stored from another file or
--   line: a duplicate when the measurements are the same, a conflict
--   otherwise. The same line of the same file again is a re-run: not flagged.
-- From: stage_lines, failure_readings.
-- Parameters: none. Portable SQL: runs on PostgreSQL and DuckDB.
update stage_lines as s
set reject_reason = case
    when r.measurements = s.measurements then 'duplicate of '
    else 'conflicts with '
end || r.source_file || ' line ' || cast(r.line_no as varchar) || (
    case when r.measurements = s.measurements then '' else ' (same sensor, time and level)' end
)
from failure_readings as r
where
    s.reject_reason is null
    and r.sensor_id = s.sensor_id
    and r.logged_at = s.logged_at
    and r.level = s.level
    and (r.source_file <> s.source_file or r.line_no <> s.line_no)
