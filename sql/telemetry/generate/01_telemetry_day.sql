{#-
    Makes: temp table generated_day, one day of raw telemetry exporter
    files as the real exporter writes them, one per file_id (named
    file_key; 04_write_file.sql writes each): the long schema (timestamp, payload_type,
    value, tags, __index_level_0__), readings at the real cadences (about
    8 s for voltages, currents, state of charge, phase and system signals,
    2 minutes for temperatures, 10 minutes for cell voltages), only inside
    the day's active windows (gaps between them), and a second exporter
    repeating everything on some days.
    The battery behind the readings is one consistent model, as measured on
    the real export: the modules of a phase are in series, so each carries
    its phase's current, except while it is bypassed (a minute at a time,
    about 15 % of the running time), when it carries none. The current is
    positive while discharging: the system runs from minute 10 to 50 of
    every hour (system_state RUN), discharging in even hours and charging
    in odd ones, and carries no current while IDLE. A module's state of
    charge integrates its own current, second by second, over the whole day
    (dSoC = -I dt / $capacity_ah), also while the exporter is down. A cell
    reads its open-circuit voltage at that state of charge less I times its
    resistance; the battery voltage is the sum of its cells, the module
    voltage a little more (as in the real export).
    As in the real export, each exporter file covers its own time window,
    in time order; readings come in 5-second blocks, each block sent 2 to 7
    times in a row in the same file (about 75 % exact duplicates), and a
    file's last block once more at the start of the next file. A file's
    folder is the day it was exported, so readings from just before
    midnight land in the next day's folder. Values are rounded to each
    sensor's resolution as in the real export, with deterministic noise.
    From: nothing (generated).
    Parameters: $day_start (epoch seconds), $windows (list of [from, to)
    seconds of the day), $phases, $modules, $cells, $exporters,
    $file_seconds (how often an exporter writes a file; a multiple of 5),
    $capacity_ah (of a module), $seed.
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
    -- the exporter's clock is uneven: each tick moves by 0 to 2 s; a cell
    -- sweep is read at the same moment as the fast signals of its tick
    select
        kind,
        t + (hash(t, if(kind = 'cells', 'fast', kind), $seed) % 3)::bigint as t
    from times
),

modules as (
    select
        p.range as phase_no,
        m.range as module_no,
        p.range::varchar as phase,
        m.range::varchar as module
    from range(1, $phases + 1) as p
    cross join range(1, $modules + 1) as m
),

seconds as (
    -- the battery is modelled every second of the day, and a little past
    -- midnight for a jittered last reading
    select range as s
    from range(0, 86400 + 60)
),

phase_current as (
    -- the current each phase carries, A (positive: discharging), to the
    -- mA: a ramp of a few minutes up to the phase's level and down again
    select
        p.range as phase_no,
        s.s,
        case
            when s.s % 3600 >= 600 and s.s % 3600 < 3000
                then round(
                    (1 - 2 * ((s.s // 3600) % 2)) * (28 + 2 * p.range)
                    * least(1.0, 4 * sin(pi() * (s.s % 3600 - 600) / 2400)),
                    3
                )
            else 0.0
        end as amps
    from range(1, $phases + 1) as p
    cross join seconds as s
),

module_current as (
    select
        m.phase_no,
        m.module_no,
        c.s,
        -- bypassed in the same minutes of an hour's discharge and of the
        -- next hour's charge, so that a module's SoC never drifts away
        if(hash(m.phase_no, m.module_no, c.s // 7200, c.s % 3600 // 60, $seed) % 100 < 15, 0.0, c.amps) as amps
    from modules as m
    inner join phase_current as c on m.phase_no = c.phase_no
),

battery as (
    -- the state of charge at second s: the day's starting SoC less the
    -- charge drawn before s, summed in whole mA s so that every run gives
    -- the same digits
    select
        *,
        0.55 + 0.1 * sin(phase_no + module_no / 3)
        - (sum((amps * 1000)::bigint) over (partition by phase_no, module_no order by s) - (amps * 1000)::bigint)
        / (3600.0 * 1000 * $capacity_ah) as soc
    from module_current
),

module_signals as (
    select
        j.t,
        s.payload_type,
        [['phase', m.phase], ['module', m.module]] || s.extra_tags as tags,
        m.phase_no,
        m.module_no,
        0 as cell_no
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
        m.phase_no,
        m.module_no,
        c.range as cell_no
    from jittered as j
    cross join modules as m
    cross join range(1, $cells + 1) as c
    where j.kind = 'cells'
),

module_readings as (
    -- a cell: open-circuit voltage 3.35 + 0.75 x SoC V (as the real cells
    -- read at rest), less 2.6 mOhm x I, and a few mV of its own; the cells
    -- of a module differ by a few mV in all, so they sum to the battery
    -- voltage; the module voltage reads 17 mV a cell above it
    select
        r.t,
        r.payload_type,
        r.tags,
        case r.payload_type
            when 'module_state_of_charge' then b.soc
            when 'module_current' then b.amps
            when 'module_voltage' then $cells * (3.367 + 0.75 * b.soc - 0.0026 * b.amps)
            when 'battery_voltage' then $cells * (3.35 + 0.75 * b.soc - 0.0026 * b.amps)
            when 'module_temperature' then 25.0 + 5.0 * sin(2 * pi() * r.t / 86400) + r.module_no * 0.3
            when 'battery_sensor_temperature' then 24.0 + 5.0 * sin(2 * pi() * r.t / 86400) + r.module_no * 0.2
            when 'cell_voltage'
                then 3.35 + 0.75 * b.soc - 0.0026 * b.amps + 0.002 * (r.cell_no - ($cells + 1) / 2)
        end as x
    from module_signals as r
    inner join battery as b
        on r.phase_no = b.phase_no and r.module_no = b.module_no and r.t - $day_start = b.s
),

phase_readings as (
    select
        j.t,
        s.payload_type,
        [['phase', p.range::varchar]] as tags,
        case s.payload_type
            when 'phase_current' then c.amps
            else $modules
        end as x
    from jittered as j
    cross join range(1, $phases + 1) as p
    inner join (values ('fast', 'phase_current'), ('cells', 'phase_module_count')) as s (kind, payload_type)
        on j.kind = s.kind
    inner join phase_current as c on p.range = c.phase_no and j.t - $day_start = c.s
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
            -- running from minute 10 to 50 of every hour, as phase_current
            when payload_type = 'system_state'
                then if((t - $day_start) % 3600 >= 600 and (t - $day_start) % 3600 < 3000, 'RUN', 'IDLE')
            when payload_type in ('phase_count', 'phase_module_count') then x::bigint::varchar
            -- float32 readings at each sensor's resolution, printed as
            -- doubles, as the exporter does: a day holds a few hundred
            -- distinct values per signal, not one per reading; the state of
            -- charge is an estimate without sensor noise, and a module
            -- without current reads 0.0 (never -0.0), as in the real export
            else round(
                x + 0.0 + ((noise % 1000) / 1000.0 - 0.5) * case
                    when payload_type = 'module_state_of_charge' then 0
                    when payload_type = 'module_current' and x = 0 then 0
                    when payload_type = 'cell_voltage' then 0.002
                    else 0.02
                end,
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
