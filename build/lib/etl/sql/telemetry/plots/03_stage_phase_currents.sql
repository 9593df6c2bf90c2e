{#-
    Makes: temp table points, the phase currents of one day in long form:
    one row per phase and 5-second row that has a reading (series is the
    phase name, t epoch seconds, value in A).
    From: the phases day files (phases/phase=P/date=D/*.parquet).
    Parameters: $paths (the day's phases files). Unpivot keeps only the
    readings and works when a file lacks the phase_current column.
-#}
create or replace temp table points as
with readings as (
    unpivot (
        select *
        from read_parquet($paths, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)
    )
    on columns(* exclude (timestamp, phase, date))
    into name signal value value
),

final as (
    select
        phase as series,
        epoch(timestamp) as t,
        cast(value as double) as value
    from readings
    where signal = 'phase_current'
)

select * from final
