-- Makes: temp table stage_lines, one row per line of one chunk of a failure
--   .log: the typed reading (time, level, sensor, temperature, vibration and
--   every `name value` pair as a map), or a reject_reason.
-- From: raw_lines (line_no, raw, decode_error), one chunk registered by the
--   pipeline. A line reads, fields separated by tabs or spaces:
--   `[2019-12-10 10:46:09]<TAB>ERROR<TAB>sensor[5]:<TAB>(temperature<TAB>365.26, vibration<TAB>-6305.32)`
--   with a CRLF or LF ending.
-- Parameters: $source_file (the file's name, kept with every reading and reject).
create or replace temp table stage_lines as
with

lines as (
    select
        line_no,
        decode_error,
        regexp_replace(raw, '\r$', '') as raw_text,
    from raw_lines
),

matched as (
    select
        *,
        regexp_extract(
            raw_text,
            '^\s*\[\s*([^\]]*?)\s*\]\s+([A-Za-z]+)\s+sensor\s*\[\s*([0-9]+)\s*\]\s*:\s*\((.*)\)\s*$',
            ['logged_at', 'level', 'sensor_id', 'pairs']
        ) as part,
    from lines
),

{# Each pair is `name value`; names are case-insensitive and kept lowercase. #}
pairs as (
    select
        *,
        case
            when regexp_full_match(part.pairs, '\s*') then []
            else list_transform(
                string_split(part.pairs, ','),
                p -> regexp_extract(p, '^\s*([A-Za-z_][A-Za-z0-9_]*)\s+(\S+)\s*$', ['key', 'value'])
            )
        end as pair_list,
        case
            when regexp_full_match(part.pairs, '\s*') then []
            else string_split(part.pairs, ',')
        end as pair_texts,
    from matched
),

typed as (
    select
        line_no,
        raw_text,
        decode_error,
        part,
        try_strptime(part.logged_at, '%Y-%m-%d %H:%M:%S') as logged_at,
        upper(part.level) as level,
        try_cast(nullif(part.sensor_id, '') as integer) as sensor_id,
        list_transform(pair_list, p -> {'key': lower(p.key), 'value': p.value}) as entries,
        list_filter(pair_texts, t -> not regexp_full_match(t, '\s*[A-Za-z_][A-Za-z0-9_]*\s+\S+\s*'))[1] as bad_pair,
    from pairs
),

measured as (
    select
        *,
        list_transform(entries, e -> e.key) as keys,
        list_filter(entries, e -> e.key = 'temperature')[1].value as temperature_text,
        list_filter(entries, e -> e.key = 'vibration')[1].value as vibration_text,
        {# NaN and infinities read as doubles, but they are not measurements:
           `nan`, `inf`, `Infinity`, and numbers too large for a double (1e999). #}
        list_filter(entries, e -> not isfinite(try_cast(e.value as double)))[1] as non_finite,
    from typed
),

checked as (
    select
        line_no,
        raw_text,
        logged_at,
        level,
        sensor_id,
        try_cast(temperature_text as double) as temperature,
        try_cast(vibration_text as double) as vibration,
        case
            when bad_pair is null and len(keys) = len(list_distinct(keys)) then map_from_entries(list_sort(entries))
        end as measurements,
        case
            when decode_error is not null then decode_error
            when regexp_full_match(raw_text, '\s*') then 'empty line'
            when part.level = ''
                then 'not a reading line: expected "[YYYY-MM-DD hh:mm:ss] LEVEL sensor[N]: (name value, ...)"'
            when logged_at is null then format('invalid timestamp "{}"', part.logged_at)
            when sensor_id is null then format('sensor id {} is too large', part.sensor_id)
            when bad_pair is not null then format('measurement "{}" is not "name value"', trim(bad_pair))
            when len(keys) <> len(list_distinct(keys)) then 'a measurement name appears twice'
            when temperature_text is not null and try_cast(temperature_text as double) is null
                then format('temperature "{}" is not a number', temperature_text)
            when vibration_text is not null and try_cast(vibration_text as double) is null
                then format('vibration "{}" is not a number', vibration_text)
            when non_finite is not null then format('{} "{}" is not a finite number', non_finite.key, non_finite.value)
        end as shape_reason,
    from measured
),

{# The natural key is (sensor, time, level): a later line with the same key
   in this chunk is a duplicate (same measurements) or a conflict (other
   measurements); either way it is rejected, naming the line that was kept.
   Repeats across chunks and runs are found by the store (15_flag_lines.sql). #}
ranked as (
    select
        line_no,
        first(line_no) over by_key as first_line,
        first(measurements) over by_key as first_measurements,
    from checked
    where shape_reason is null
    window by_key as (partition by sensor_id, logged_at, level order by line_no)
),

final as (
    select
        $source_file as source_file,
        c.line_no,
        c.raw_text,
        c.logged_at,
        c.level,
        c.sensor_id,
        c.temperature,
        c.vibration,
        c.measurements,
        coalesce(
            c.shape_reason,
            case
                when r.first_line = c.line_no then null
                when r.first_measurements = c.measurements
                    then format('duplicate of {} line {}', $source_file, r.first_line)
                else format('conflicts with {} line {} (same sensor, time and level)', $source_file, r.first_line)
            end
        ) as reject_reason,
    from checked as c
    left join ranked as r on c.line_no = r.line_no
)

select * from final
