-- Makes: new rows in equipment; equipment already stored is left as it is.
-- From: stage_equipment (rows without a reject_reason).
-- Parameters: none.
insert into equipment (equipment_id, code, group_name)
select distinct
    equipment_id,
    code,
    group_name
from stage_equipment
where reject_reason is null
on conflict do nothing
