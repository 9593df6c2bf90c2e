-- Makes: temp table stage_lines, dropped at commit: receives by COPY one
--   chunk of readings DuckDB parsed from a .log (03_parse_lines.sql).
-- From: nothing. Parameters: none. PostgreSQL only.
create temp table if not exists stage_lines (
    source_file varchar,
    line_no bigint,
    raw_text varchar,
    logged_at timestamp,
    level varchar,
    sensor_id integer,
    temperature double precision,
    vibration double precision,
    measurements hstore,
    reject_reason varchar
) on commit drop
