-- Makes: table failure_readings (one row per log line), if missing.
--   Natural key: (sensor_id, logged_at, level). The known measurements are
--   typed columns; every `name value` pair of the line is also kept in
--   `measurements` (hstore on PostgreSQL, MAP(VARCHAR, VARCHAR) on DuckDB) so
--   a new measurement kind needs no schema change. source_file/line_no say
--   where the reading came from (a re-run of the same file is recognised by them).
-- From: nothing; needs sensors.
-- Parameters: none. Jinja: backend ('postgres' or 'duckdb').
create table if not exists failure_readings (
    sensor_id integer not null references sensors (sensor_id),
    logged_at timestamp not null,
    level varchar(16) not null check (level <> '' and level = upper(level)),
    temperature double precision,
    vibration double precision,
    measurements {{ 'hstore' if backend == 'postgres' else 'map(varchar, varchar)' }} not null,
    source_file varchar(1024) not null,
    line_no bigint not null check (line_no > 0),
    primary key (sensor_id, logged_at, level),
    unique (source_file, line_no)
)
