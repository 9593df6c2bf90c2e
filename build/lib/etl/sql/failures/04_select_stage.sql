-- Makes: every row of one stage table, in line order, for COPY to PostgreSQL.
-- From: the stage table named by jinja `stage` (stage_equipment,
--   stage_sensors or stage_lines), made by 01-03.
-- Parameters: none. Jinja: stage.
select *
from {{ stage | ident }}
order by line_no
