-- Makes: stage_lines.reject_reason set for readings whose sensor maps to no
--   equipment (the sensor is in no sensor-to-equipment file).
-- From: stage_lines, sensors.
-- Parameters: none. Portable SQL: runs on PostgreSQL and DuckDB.
update stage_lines as s
set reject_reason = 'sensor ' || cast(s.sensor_id as varchar) || ' maps to no equipment'
where
    s.reject_reason is null
    and not exists (select 1 from sensors as t where t.sensor_id = s.sensor_id)
