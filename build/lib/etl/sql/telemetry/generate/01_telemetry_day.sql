{#-
    Makes: temp table generated_day, one day of raw telemetry exporter
    files as the real exporter writes them, one per file_id (named
    file_key; 04_write_file.sql writes each): the long schema (timestamp, payload_type,
    value, tags, __index_level_0__), readings at the real cadences (about
    8 s for voltages, currents, state of charge, phase and system signals,
    2 minutes for temperatures, 10 minutes for cell voltages), only inside
    the day's active windows (gaps between them), and a second exporter
    repeating everything on some days.
    As in the real export, each exporter file covers its own time window,
    in time order; readings come in 5-second blocks, each block sent 2 to 7
    times in a row in the same file (about 75 % exact duplicates), and a
    file's last block once more at the start of the next file. A file's
    folder is the day it was exported, so readings from just before
    midnight land in the next day's folder. Values are smooth curves plus
    deterministic noise, rounded to each sensor's resolution as in the real
    export.
    From: nothing (generated).
    Parameters: $day_start (epoch seconds), $windows (list of [from, to)
    seconds of the day), $phases, $modules, $cells, $exporters,
    $file_seconds (how often an exporter writes a file; a multiple of 5),
    $seed.
-#}
create or replace temp table generated_day as
with windows as (
    select unnest($windows) as w
),

cadences as (
    select *
    from (values ('fast', 8), ('slow', 120), ('cells', 600)) as c (kind, step)
),

times as (
    select
        c.kind,
        $day_start + unnest(generate_series(w.w[1], w.w[2] - 1, c.step)) as t
    from windows as w
    cross join cadences as c
),

jittered as (
    -- the exporter's clock is uneven: each tick moves by 0 to 2 s
    select
        kind,
        t + (hash(t, kind, $seed) % 3)::bigint as t
    from times
),

modules as (
    select
        p.range::varchar as phase,
        m.range::varchar as module
    from range(1, $phases + 1) as p
    cross join range(1, $modules + 1) as m
),

module_signals as (
    select
        j.t,
        s.payload_type,
        [['phase', m.phase], ['module', m.module]] || s.extra_tags as tags,
        0.5 + 0.4 * sin(2 * pi() * j.t / 86400 + m.phase::int + m.module::int / 10) as soc,
        m.module::int as module_no,
        s.extra_tags
    from jittered as j
    cross join modules as m
    inner join (
        values
        ('fast', 'module_voltage', []::varchar[][]),
        ('fast', 'module_current', []::varchar[][]),
        ('fast', 'module_state_of_charge', []::varchar[][]),
        ('fast', 'battery_voltage', [['battery', '1']]),
        ('slow', 'module_temperature', []::varchar[][]),
        ('slow', 'battery_sensor_temperature', [['battery', '1'], ['sensor', '1']])
    ) as s (kind, payload_type, extra_tags) on j.kind = s.kind
    union all
    select
        j.t,
        'cell_voltage' as payload_type,
        [['phase', m.phase], ['module', m.module], ['battery', '1'], ['cell', c.range::varchar]] as tags,
        0.5 + 0.4 * sin(2 * pi() * j.t / 86400 + m.phase::int + m.module::int / 10) as soc,
        c.range::int as module_no,
        []::varchar[][] as extra_tags
    from jittered as j
    cross join modules as m
    cross join range(1, $cells + 1) as c
    where j.kind = 'cells'
),

module_readings as (
    select
        t,
        payload_type,
        tags,
        case payload_type
            when 'module_state_of_charge' then soc
            when 'module_voltage' then 50.0 + 6.0 * soc
            when 'battery_voltage' then 49.9 + 6.0 * soc
            when 'module_current' then 5.0 + 4.5 * sin(2 * pi() * t / 3600 + module_no)
            when 'module_temperature' then 25.0 + 5.0 * sin(2 * pi() * t / 86400) + module_no * 0.3
            when 'battery_sensor_temperature' then 24.0 + 5.0 * sin(2 * pi() * t / 86400) + module_no * 0.2
            when 'cell_voltage' then 3.55 + 0.45 * soc + module_no * 0.002
        end as x
    from module_signals
),

phase_readings as (
    select
        j.t,
        s.payload_type,
        [['phase', p.range::varchar]] as tags,
        case s.payload_type
            when 'phase_current' then 5.0 + 4.5 * sin(2 * pi() * j.t / 3600 + p.range)
            else $modules
        end as x
    from jittered as j
    cross join range(1, $phases + 1) as p
    inner join (values ('fast', 'phase_current'), ('cells', 'phase_module_count')) as s (kind, payload_type)
        on j.kind = s.kind
),

system_readings as (
    select
        j.t,
        s.payload_type,
        s.tags,
        case s.payload_type
            when 'system_frequency_freq_hz' then 50.0
            when 'system_timing_worst_us' then 45.0
            when 'system_derating_charging_amp' then 60.0 + 30 * sin(2 * pi() * j.t / 86400)
            when 'system_derating_discharging_amp' then 60.0 + 30 * cos(2 * pi() * j.t / 86400)
            when 'phase_count' then $phases
            else 35.0 + 10 * sin(2 * pi() * j.t / 7200)
        end as x
    from jittered as j
    inner join (
        values
        ('fast', 'system_frequency_freq_hz', []::varchar[][]),
        ('fast', 'system_timing_worst_us', []::varchar[][]),
        ('fast', 'system_derating_charging_amp', []::varchar[][]),
        ('fast', 'system_derating_discharging_amp', []::varchar[][]),
        ('fast', 'system_state', []::varchar[][]),
        ('slow', 'phase_count', []::varchar[][]),
        ('slow', 'debug_value', [['debug_value_key', 'cb_temp_core']]),
        ('slow', 'debug_value', [['debug_value_key', 'cb_temp_mcp9701']])
    ) as s (kind, payload_type, tags) on j.kind = s.kind
),

keyed as (
    select
        *,
        hash(t, payload_type, tags, $seed) as noise
    from (
        select * from module_readings
        union all
        select * from phase_readings
        union all
        select * from system_readings
    )
),

readings as (
    select
        t,
        payload_type,
        noise,
        tags || [['message_source', 'master']] as tags,
        case
            when payload_type = 'system_state'
                then case when (t // 3600) % 4 = 1 then 'RUN' else 'IDLE' end
            when payload_type in ('phase_count', 'phase_module_count') then x::bigint::varchar
            -- the modules carry no current while the system is idle
            when payload_type = 'module_current' and (t // 3600) % 4 <> 1 then '0.0'
            -- float32 readings at each sensor's resolution, printed as
            -- doubles, as the exporter does: a day holds a few hundred
            -- distinct values per signal, not one per reading
            else round(
                x + ((noise % 1000) / 1000.0 - 0.5) * 0.02,
                case payload_type
                    when 'module_state_of_charge' then 4
                    when 'cell_voltage' then 3
                    when 'debug_value' then 3
                    when 'phase_current' then 5
                    when 'system_derating_charging_amp' then 0
                    when 'system_derating_discharging_amp' then 0
                    else 2
                end
            )::float::double::varchar
        end as value
    from keyed
),

blocks as (
    -- the exporter sends 5 s of readings at a time and re-sends each
    -- block 2 to 7 times in a row (the real export's mix, 4 on average)
    select
        r.*,
        e.range as exporter,
        (r.t - $day_start) // 5 as block,
        hash((r.t - $day_start) // 5, e.range, $seed) % 100 as draw
    from readings as r
    cross join range(1, $exporters + 1) as e
),

copies as (
    select
        * exclude (draw),
        (t - $day_start) // $file_seconds as file_no,
        unnest(range(
            case
                when draw < 25 then 2
                when draw < 46 then 3
                when draw < 49 then 4
                when draw < 79 then 5
                when draw < 99 then 6
                else 7
            end
        )) as copy_no
    from blocks
    union all
    -- a file's last block comes once more at the start of the next file
    select
        * exclude (draw),
        (t - $day_start) // $file_seconds + 1 as file_no,
        -1 as copy_no
    from blocks
    where block % ($file_seconds // 5) = $file_seconds // 5 - 1
        -- and the exporter is still running then
        and list_bool_or(list_transform($windows, w -> (block + 1) * 5 >= w[1] and (block + 1) * 5 < w[2]))
),

files as (
    select
        *,
        to_timestamp($day_start + (file_no + 1) * $file_seconds + exporter * 7 + (hash(file_no, exporter, $seed) % 40)::bigint)
            as exported_at
    from copies
),

named as (
    select
        *,
        'telemetry-export-metrics-' || exporter || '-' || strftime(exported_at, '%Y-%m-%d-%H-%M-%S') || '-'
        || substr(md5(concat(file_no, '-', exporter, '-', $seed, '-', $day_start)), 1, 8) || '-'
        || substr(md5(concat($seed, '-', file_no, '-', exporter)), 1, 4) || '-3'
        || substr(md5(concat(exporter, '-', file_no)), 1, 3) || '-'
        || substr(md5(concat($day_start, '-', file_no)), 1, 4) || '-'
        || substr(md5(concat(file_no, '-', $day_start, '-', exporter)), 1, 12) as file_key
    from files
),

final as (
    select
        t as timestamp,
        payload_type,
        value,
        tags,
        -- the exporter's pandas index: its row number within the file
        (row_number() over (
            partition by file_key
            order by block, copy_no, t, payload_type, tags
        ) - 1)::bigint as __index_level_0__,
        file_key,
        dense_rank() over (order by file_key) as file_id
    from named
)

select * from final
order by file_id, __index_level_0__
