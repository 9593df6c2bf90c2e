-- Makes: new rows in rejects from one stage table; a line rejected by an
--   earlier run is left as it is.
-- From: the stage table named by jinja `stage` (stage_equipment, stage_sensors
--   or stage_lines): rows with a reject_reason.
-- Parameters: none. Jinja: stage. Portable SQL: runs on PostgreSQL and DuckDB.
insert into rejects (source_file, line_no, raw_text, reason)
select
    source_file,
    line_no,
    raw_text,
    reject_reason
from {{ stage | ident }}
where reject_reason is not null
on conflict do nothing
