{#-
    Makes: the files day_grid is written as, one per series and partition
    (the day, or an hour of it): the series, its key values, the partition
    value as text, and the partition's first and last slot.
    From: day_grid (13_build_grid.sql).
    Parameters: jinja: keys (series columns), partition ('date' or 'hour').
    Every series has all 17,280 slots of the day, so a partition starts at
    each slot that is a multiple of its length; reading only those rows
    avoids grouping the whole grid. The writer checks each file's row count.
-#}
{%- set slots = 720 if partition == "hour" else 17280 %}
select
    series,
    [{% for key in keys %}{{ key | ident }}{{ ", " if not loop.last }}{% endfor %}]::varchar[] as key_values,
    {{ partition | ident }}::varchar as partition_value,
    slot as first_slot,
    slot + {{ slots - 1 }} as last_slot
from day_grid
where slot % {{ slots }} = 0
order by series, first_slot
