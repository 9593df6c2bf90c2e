-- Makes: temp table stage_sensors, one row per line of one chunk of a
--   sensor-to-equipment .csv: the typed mapping, or a reject_reason.
-- From: raw_lines (line_no, raw, decode_error), one chunk registered by the
--   pipeline; lines are `equipment_id;sensor_id`, CRLF or LF, the first line
--   may be that header (it is not data and is skipped).
-- Parameters: $source_file (the file's name as stored in rejects).
create or replace temp table stage_sensors as
with

lines as (
    select
        line_no,
        decode_error,
        regexp_replace(raw, '\r$', '') as raw_text,
    from raw_lines
),

data_lines as (
    select *
    from lines
    where not (line_no = 1 and regexp_full_match(lower(raw_text), '\s*equipment_id\s*;\s*sensor_id\s*'))
),

matched as (
    select
        *,
        regexp_extract(raw_text, '^\s*([0-9]+)\s*;\s*([0-9]+)\s*$', ['equipment_id', 'sensor_id']) as part,
    from data_lines
),

typed as (
    select
        line_no,
        raw_text,
        decode_error,
        part,
        try_cast(nullif(part.equipment_id, '') as integer) as equipment_id,
        try_cast(nullif(part.sensor_id, '') as integer) as sensor_id,
    from matched
),

checked as (
    select
        line_no,
        raw_text,
        equipment_id,
        sensor_id,
        case
            when decode_error is not null then decode_error
            when regexp_full_match(raw_text, '\s*') then 'empty line'
            when part.sensor_id = '' then 'not an "equipment_id;sensor_id" line of two whole numbers'
            when equipment_id is null or sensor_id is null then 'equipment_id or sensor_id is too large'
        end as shape_reason,
    from typed
),

{# A sensor mapped twice in one chunk: the first line wins, a later line that
   names another equipment is rejected; exact repeats are harmless. #}
ranked as (
    select
        line_no,
        first(line_no) over by_sensor as first_line,
        first(equipment_id) over by_sensor as first_equipment_id,
    from checked
    where shape_reason is null
    window by_sensor as (partition by sensor_id order by line_no)
),

final as (
    select
        $source_file as source_file,
        c.line_no,
        c.raw_text,
        c.sensor_id,
        c.equipment_id,
        coalesce(
            c.shape_reason,
            case
                when c.equipment_id <> r.first_equipment_id
                    then format(
                        'sensor {} is mapped to equipment {} at line {}', c.sensor_id, r.first_equipment_id, r.first_line
                    )
            end
        ) as reject_reason,
    from checked as c
    left join ranked as r on c.line_no = r.line_no
)

select * from final
