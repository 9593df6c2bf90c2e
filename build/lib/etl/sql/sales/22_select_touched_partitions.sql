-- Makes: the partition values that receive new or rewritten rows, the only
-- partitions worth Z-ordering after a load.
-- From: changes (20). Parameters: jinja `partition_by`.
select distinct {{ partition_by | ident }}::varchar as partition_value
from changes
where _change in ('insert', 'update')
order by partition_value
