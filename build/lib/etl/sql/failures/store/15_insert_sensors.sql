-- Makes: new rows in sensors; a sensor already stored is left as it is.
-- From: stage_sensors (rows without a reject_reason).
-- Parameters: none. Portable SQL: runs on PostgreSQL and DuckDB.
insert into sensors (sensor_id, equipment_id)
select distinct
    sensor_id,
    equipment_id
from stage_sensors
where reject_reason is null
on conflict do nothing
