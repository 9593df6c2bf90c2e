{#-
    Makes: per module and day, how completely the module reported: coverage
    is the mean over its signal families of the family's reported cells
    over the day's cells (1 = every signal at its day's normal cadence in
    every cell of the day, 0 = silent all day); the mean of that module's
    rows of the day's coverage map.
    From: temp table coverage (07_stage_coverage.sql), staged with every
    day's quality files.
    Parameters: none.
-#}
with final as (
    select
        date,
        phase,
        module,
        avg(reported / (86400 // cell_seconds)) as coverage
    from coverage
    where dataset = 'modules'
    group by all
)

select * from final
order by date, try_cast(phase as integer), phase, try_cast(module as integer), module
