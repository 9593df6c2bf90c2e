{#-
    Makes: the telemetry day files the plots can read, one row per file:
    dataset (modules, phases or system), phase, module, date and path.
    From: the file names under the output folder in the hive layout
    (modules/phase=P/module=M/date=D/*.parquet, phases/phase=P/date=D/*,
    system/date=D/*); no file is opened. The globs are explicit, never
    recursive: the output folder holds a link to itself for the DuckDB shell.
    Parameters: $root (the output folder), $phase, $module, $date (text
    filters, NULL for all; phase and module only narrow the modules rows).
-#}
with files as (
    select file as path from glob($root || '/modules/phase=*/module=*/date=*/*.parquet')
    union all
    select file as path from glob($root || '/phases/phase=*/date=*/*.parquet')
    union all
    select file as path from glob($root || '/system/date=*/*.parquet')
),

parsed as (
    select
        path,
        regexp_extract(
            path,
            '/(modules|phases|system)/(phase=([^/]+)/)?(module=([^/]+)/)?date=([^/]+)/[^/]+$',
            ['dataset', 'phase_part', 'phase', 'module_part', 'module', 'date']
        ) as part
    from files
),

final as (
    select
        part.dataset as dataset,
        nullif(part.phase, '') as phase,
        nullif(part.module, '') as module,
        part.date as date,
        path
    from parsed
    where
        ($date is null or part.date = $date)
        and (part.dataset <> 'modules' or $phase is null or part.phase = $phase)
        and (part.dataset <> 'modules' or $module is null or part.module = $module)
)

select * from final
order by
    date,
    dataset,
    try_cast(phase as integer),
    phase,
    try_cast(module as integer),
    module,
    path
