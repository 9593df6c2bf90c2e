-- Makes: one row (accepted, rejected): how the lines of the current chunk fared.
-- From: the stage table named by jinja `stage`, after the flag steps.
-- Parameters: none. Jinja: stage. Portable SQL: runs on PostgreSQL and DuckDB.
select
    count(case when reject_reason is null then 1 end) as accepted,
    count(reject_reason) as rejected
from {{ stage | ident }}
