-- Makes: temp table stage_equipment, dropped at commit: receives by COPY the
--   rows DuckDB parsed from equipment .json files (01_read_equipment.sql).
-- From: nothing. Parameters: none. PostgreSQL only.
create temp table if not exists stage_equipment (
    source_file varchar,
    line_no bigint,
    raw_text varchar,
    equipment_id integer,
    code varchar,
    group_name varchar,
    reject_reason varchar
) on commit drop
