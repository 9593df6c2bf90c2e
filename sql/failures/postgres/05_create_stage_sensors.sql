-- Makes: temp table stage_sensors, dropped at commit: receives by COPY one
--   chunk of rows DuckDB parsed from a sensor .csv (02_parse_sensors.sql).
-- From: nothing. Parameters: none. PostgreSQL only.
create temp table if not exists stage_sensors (
    source_file varchar,
    line_no bigint,
    raw_text varchar,
    sensor_id integer,
    equipment_id integer,
    reject_reason varchar
) on commit drop
