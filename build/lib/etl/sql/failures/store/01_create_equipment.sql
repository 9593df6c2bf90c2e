-- Makes: table equipment (one row per piece of equipment), if missing.
-- From: nothing; the same model on PostgreSQL and on embedded DuckDB.
-- Parameters: none. Jinja: backend ('postgres' or 'duckdb').
create table if not exists equipment (
    equipment_id integer primary key check (equipment_id > 0),
    code varchar(64) not null unique check (code <> ''),
    group_name varchar(64) not null check (group_name <> '')
)
