{#-
    Makes: the files day_grid is written as, one per series and partition
    (the day, or an hour of it): the series, its key values, the partition
    value as text, and the partition's first and last slot.
    From: day_grid (20_build_grid.sql), and day_signals for the key values
    of each series when day_grid does not carry them.
    Parameters: jinja: dataset, keys (series columns), partition ('date' or
    'hour'), slots (rows per partition), keyed (bool: day_grid carries the
    keys, as when patching).
    Every series of a full build has every slot of the day, so a partition
    starts at each slot that is a multiple of its length; reading only
    those rows avoids grouping the whole grid. A patch's day_grid holds
    only the slots it computed, a few per series: they are grouped. The
    writer checks each file's row count.
-#}
{%- if keyed %}
select
    series,
    [{% for key in keys %}{{ key | ident }}{{ ", " if not loop.last }}{% endfor %}]::varchar[] as key_values,
    {{ partition | ident }}::varchar as partition_value,
    min(slot) as first_slot,
    max(slot) as last_slot
from day_grid
group by all
order by series, first_slot
{%- else %}
with starts as (
    select *
    from day_grid
    where slot % {{ slots }} = 0
),

series_keys as (
    select distinct
        series,
        {%- for key in keys %}
        {{ key | ident }},
        {%- endfor %}
    from day_signals
    where dataset = {{ dataset | literal }}
),

final as (
    select
        starts.series,
        [{% for key in keys %}k.{{ key | ident }}{{ ", " if not loop.last }}{% endfor %}]::varchar[] as key_values,
        starts.{{ partition | ident }}::varchar as partition_value,
        starts.slot as first_slot,
        starts.slot + {{ slots - 1 }} as last_slot
    from starts
    inner join series_keys as k on starts.series = k.series
)

select * from final
order by series, first_slot
{%- endif %}
