-- Makes: stage_sensors.reject_reason set for sensors mapped to equipment that
--   does not exist (a sensor that maps to no equipment).
-- From: stage_sensors, equipment.
-- Parameters: none. Portable SQL: runs on PostgreSQL and DuckDB.
update stage_sensors as s
set reject_reason = 'sensor ' || cast(s.sensor_id as varchar) || ' maps to equipment '
    || cast(s.equipment_id as varchar) || ', which is not in equipment'
where
    s.reject_reason is null
    and not exists (select 1 from equipment as e where e.equipment_id = s.equipment_id)
