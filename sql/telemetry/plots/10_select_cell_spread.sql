{#-
    Makes: per module and day, the spread of its cell voltages: at each row
    of the grid where the module's cells were read, the highest cell minus
    the lowest; only complete sweeps count (as many cells as the module's
    most in one row that day: a partial sweep understates the spread).
    Columns: phase, module, date, sweeps, median_mv (the day's typical
    spread) and max_mv, in millivolts.
    From: the modules day files of any days (cell_voltage__* columns);
    a module or day without cell readings has no row.
    Parameters: $paths (modules day files). The placeholder column
    cell_voltage__ (NULL, never a real name: a tag value is never empty)
    keeps the unpivot valid when no file has a cell column.
-#}
with readings as (
    unpivot (
        select
            *,
            null::double as cell_voltage__
        from read_parquet($paths, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)
    )
    on columns('^cell_voltage__')
    into name cell value volts
),

sweeps as (
    select
        phase,
        module,
        date,
        timestamp,
        count(*) as cells,
        max(volts) - min(volts) as spread
    from readings
    where isfinite(volts)
    group by all
),

complete as (
    select *
    from sweeps
    qualify cells = max(cells) over (partition by phase, module, date)
),

final as (
    select
        phase,
        module,
        date,
        count(*) as sweeps,
        1000 * median(spread) as median_mv,
        1000 * max(spread) as max_mv
    from complete
    group by all
)

select * from final
order by date, try_cast(phase as integer), phase, try_cast(module as integer), module
