-- Makes: the number of rows to insert, update and delete in the change set.
-- From: changes (17). Parameters: none.
select
    count(*) filter (where _change = 'insert') as inserted,
    count(*) filter (where _change = 'update') as updated,
    count(*) filter (where _change = 'delete') as deleted,
from changes
