-- Makes: stage_equipment.reject_reason set for items that contradict the
--   stored equipment (same id with another code or group, or a code stored
--   under another id). Stored rows are never changed by a load.
-- From: stage_equipment, equipment.
-- Parameters: none. Portable SQL: runs on PostgreSQL and DuckDB.
update stage_equipment as s
set reject_reason = case
    when e.equipment_id = s.equipment_id
        then 'equipment_id ' || cast(e.equipment_id as varchar)
        || ' is stored as code ' || e.code || ' in group ' || e.group_name
    else 'code ' || e.code || ' is stored for equipment_id ' || cast(e.equipment_id as varchar)
end
from equipment as e
where
    s.reject_reason is null
    and (e.equipment_id = s.equipment_id or e.code = s.code)
    and (e.equipment_id <> s.equipment_id or e.code <> s.code or e.group_name <> s.group_name)
