{#-
    Makes: temp table points, one module's day in long form: series, t
    (epoch seconds), value, for every 5-second row that has a reading.
    Series are the file's signals (state of charge turned into %), except
    the cell voltages, which become three series: cell_voltage_min,
    cell_voltage_mean and cell_voltage_max across the cells read at that
    time, and cell_count (how many cells were read).
    From: one modules day file (modules/phase=P/module=M/date=D/*.parquet).
    Parameters: $path. Unpivot keeps only the readings, so a signal missing
    from the file, or never read that day, simply has no points.
-#}
create or replace temp table points as
with readings as (
    unpivot (
        select *
        from read_parquet($path, hive_partitioning = false)
    )
    on columns(* exclude (timestamp))
    into name signal value value
),

signals as (
    select
        signal as series,
        epoch(timestamp) as t,
        case when signal = 'module_state_of_charge' then value * 100 else value end as value
    from readings
    where not starts_with(signal, 'cell_voltage__')
),

cells as (
    select
        epoch(timestamp) as t,
        min(value) as cell_voltage_min,
        avg(value) as cell_voltage_mean,
        max(value) as cell_voltage_max,
        count(*) as cell_count
    from readings
    where starts_with(signal, 'cell_voltage__')
    group by timestamp
),

cell_stats as (
    unpivot cells
    on cell_voltage_min, cell_voltage_mean, cell_voltage_max, cast(cell_count as double) as cell_count
    into name series value value
),

final as (
    select series, t, value from signals
    union all
    select series, t, value from cell_stats
)

select * from final
