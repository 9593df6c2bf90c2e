-- Makes: the number of rows to insert, update and delete in the change set,
-- and the rows the table must hold once they are applied.
-- From: changes (20), the desired table (jinja `desired`).
-- Parameters: none. Jinja: desired.
select
    count(*) filter (where _change = 'insert') as inserted,
    count(*) filter (where _change = 'update') as updated,
    count(*) filter (where _change = 'delete') as deleted,
    (select count(*) from {{ desired | ident }}) as desired_rows,
from changes
