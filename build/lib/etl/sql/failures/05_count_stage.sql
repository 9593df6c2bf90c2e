-- Makes: one row, the number of rows the parse step put in its stage table
-- (for a JSON array, the items read), so the run can check that every one
-- comes back stored or rejected.
-- From: the stage table named by jinja `stage`. Parameters: none.
select count(*) as items
from {{ stage | ident }}
