-- Makes: stage_sensors.reject_reason set for sensors already stored under
--   another equipment. Stored rows are never changed by a load.
-- From: stage_sensors, sensors.
-- Parameters: none. Portable SQL: runs on PostgreSQL and DuckDB.
update stage_sensors as s
set reject_reason = 'sensor ' || cast(s.sensor_id as varchar) || ' is stored under equipment '
    || cast(t.equipment_id as varchar)
from sensors as t
where
    s.reject_reason is null
    and t.sensor_id = s.sensor_id
    and t.equipment_id <> s.equipment_id
