{#-
    Makes: the state of charge of every module of one day on a coarse grid,
    for the heat map: phase, module, slot (0 = 00:00 UTC), soc_percent (the
    mean of the slot's readings, in %). Slots without a reading are absent.
    From: the modules day files of that day.
    Parameters: $paths (the day's modules files), $day_start (epoch seconds
    of 00:00 UTC), $slot_seconds (slot width, e.g. 300). Unpivot keeps only
    the readings and works when a file lacks module_state_of_charge.
-#}
with readings as (
    unpivot (
        select *
        from read_parquet($paths, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)
    )
    on columns(* exclude (timestamp, phase, module, date))
    into name signal value value
),

final as (
    select
        phase,
        module,
        cast(floor((epoch(timestamp) - $day_start) / $slot_seconds) as integer) as slot,
        avg(value) * 100 as soc_percent
    from readings
    where signal = 'module_state_of_charge' and isfinite(value)
    group by all
)

select * from final
order by phase, module, slot
