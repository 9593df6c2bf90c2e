-- Makes: temp table stage_equipment, one row per item of an equipment .json
--   array: the typed equipment (id, code, group), or a reject_reason.
-- From: the JSON file at $path (an array of {equipment_id, code, group_name});
--   DuckDB streams it, so the array can be of any size.
-- Parameters: $path (file to read), $source_file (its name as stored in rejects).
-- Rejects name the item's position in the array (1-based) as its line_no.
create or replace temp table stage_equipment as
with

items as (
    select
        ordinality as line_no,
        json(json) as item,
    from read_json_objects($path, format = 'array') with ordinality
),

typed as (
    select
        line_no,
        item::varchar as raw_text,
        json_type(item, '$.equipment_id') in ('UBIGINT', 'BIGINT') as id_is_integer,
        try_cast(json_extract_string(item, '$.equipment_id') as integer) as equipment_id,
        json_type(item, '$.code') = 'VARCHAR' as code_is_text,
        trim(json_extract_string(item, '$.code')) as code,
        json_type(item, '$.group_name') = 'VARCHAR' as group_is_text,
        trim(json_extract_string(item, '$.group_name')) as group_name,
    from items
),

checked as (
    select
        *,
        case
            when not id_is_integer or equipment_id is null or equipment_id < 1
                then 'equipment_id is missing or not a positive whole number'
            when not coalesce(code_is_text, false) or code = ''
                then 'code is missing or empty'
            when not coalesce(group_is_text, false) or group_name = ''
                then 'group_name is missing or empty'
        end as shape_reason,
    from typed
),

{# An id or a code given twice in one file: the first item wins, later items
   that say something else are rejected; exact repeats are harmless. #}
ranked as (
    select
        *,
        first(line_no) over by_id as first_line_for_id,
        first(equipment_id) over by_code as first_id_for_code,
        first(line_no) over by_code as first_line_for_code,
        first(code) over by_id as first_code,
        first(group_name) over by_id as first_group,
    from checked
    where shape_reason is null
    window
        by_id as (partition by equipment_id order by line_no),
        by_code as (partition by code order by line_no)
),

final as (
    select
        $source_file as source_file,
        c.line_no,
        c.raw_text,
        c.equipment_id,
        c.code,
        c.group_name,
        coalesce(
            c.shape_reason,
            case
                when (r.code, r.group_name) is distinct from (r.first_code, r.first_group)
                    then format('equipment_id {} says otherwise at item {}', r.equipment_id, r.first_line_for_id)
                when r.equipment_id <> r.first_id_for_code
                    then format('code {} is already used by item {}', r.code, r.first_line_for_code)
            end
        ) as reject_reason,
    from checked as c
    left join ranked as r on c.line_no = r.line_no
)

select * from final
