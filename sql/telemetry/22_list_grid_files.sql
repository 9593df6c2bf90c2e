{#-
    Makes: the files day_grid is written as, one per series and partition
    (the day, or an hour of it): the series, its key values, the partition
    value as text, and the partition's first and last slot.
    From: day_grid (13_build_grid.sql).
    Parameters: jinja: keys (series columns), partition ('date' or 'hour').
-#}
select
    series,
    [{% for key in keys %}{{ key | ident }}{{ ", " if not loop.last }}{% endfor %}]::varchar[] as key_values,
    {{ partition | ident }}::varchar as partition_value,
    min(slot) as first_slot,
    max(slot) as last_slot
from day_grid
group by all
order by series, first_slot
