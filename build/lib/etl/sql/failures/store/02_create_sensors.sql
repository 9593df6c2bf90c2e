-- Makes: table sensors (each sensor belongs to exactly one equipment), if missing.
-- From: nothing; needs equipment.
-- Parameters: none. Jinja: backend ('postgres' or 'duckdb').
create table if not exists sensors (
    sensor_id integer primary key check (sensor_id >= 0),
    equipment_id integer not null references equipment (equipment_id)
)
