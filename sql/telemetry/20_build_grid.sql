{#-
    Makes: temp table day_grid, the day's rows of one dataset on the strict
    5-second UTC grid: per series (a phase + module, a phase, or the
    system) 17,280 rows from 00:00:00 to 23:59:55, timestamp first, then
    one column per signal, then (only when patching) the series' keys, its
    partition value (date or hour), series and slot. Otherwise the keys stay
    out: 21_list_grid_files.sql takes them from day_signals, which saves
    carrying two text columns through the join, the sort and the table.
    21_list_grid_files.sql and 22_write_grid_file.sql write it out, one
    parquet file per partition (not COPY ... PARTITION_BY: it does not keep
    the rows in time order).
    From: day_placed (readings of one dataset without problems), and
    day_signals for the phase and module of each series.
    Parameters: $day_start (epoch seconds of 00:00 UTC), $max_gap (interval,
    used when filling); jinja: dataset, keys (series columns), columns (list
    of {id, name, is_text, old}: signal_id, or none for a column that only
    the published files have; column name; old: the published files have
    it), groups (the columns with an id, pivoted in one group or more: see
    below), fill (bool), hourly (bool: a partition per hour, else per day),
    patch (bool, below), kept (bool: a patch keeps rows of published
    files); when patching, $from_slot, $grid_from and $published
    (the dataset's published files of the day, hive paths).
    Each pivot evaluates every column's FILTER on every reading it reads.
    With a few signals read every few seconds beside many read every few
    minutes (cell voltages), pivoting the frequent and the sparse signals
    apart, each on its own readings, and joining both onto the grid costs
    far less; pivot_groups() in the pipeline decides.
    A bucket is [t, t + 5 s): numeric signals take the mean of its readings,
    text signals the last one. A bucket without a reading is NULL unless
    fill carries the last reading forward, never further than $max_gap.
    Patch: late files brought readings from slot $from_slot on, and
    day_placed holds only the readings from slot $grid_from on (early
    enough for the fill). Rows before $from_slot are taken as they are from
    the day's published files; the rest is
    computed as usual. A bucket before $from_slot has no late reading and
    its fill looks only backwards, so the result equals a full rebuild.
-#}
{%- set carried = keys if patch else [] %}
create or replace temp table day_grid as
with readings as (
    select
        series,
        ((timestamp - $day_start) // 5)::integer as slot,
        timestamp,
        signal_id,
        num,
        value
    from day_placed
    where dataset = {{ dataset | literal }} and problem is null
),

{%- for group in groups %}

wide_{{ loop.index }} as (
    -- one row per series and 5 s slot with readings of this group: the pivot
    select
        series,
        slot,
        {%- for column in group %}
        {%- if column.is_text %}
        arg_max(value, (timestamp, value)) filter (where signal_id = {{ column.id }})
        {%- else %}
        avg(num) filter (where signal_id = {{ column.id }})
        {%- endif %} as {{ column.name | ident }},
        {%- endfor %}
    from readings
    {%- if groups | length > 1 %}
    where signal_id in ({% for column in group %}{{ column.id }}{{ ", " if not loop.last }}{% endfor %})
    {%- endif %}
    group by series, slot
),
{%- endfor %}

series as (
    select distinct
        series,
        {%- for key in carried %}
        {{ key | ident }},
        {%- endfor %}
    from day_signals
    where dataset = {{ dataset | literal }}
        and series in (select distinct series from readings)
),

grid as (
    select
        series.*,
        range::integer as slot
    from series
    cross join range({{ "$grid_from" if patch else "0" }}, 17280)
),

joined as (
    select
        grid.series,
        grid.slot,
        to_timestamp($day_start + grid.slot * 5) as timestamp,
        {%- for key in carried %}
        grid.{{ key | ident }},
        {%- endfor %}
        {%- for group in groups %}
        {%- set wide = "wide_" ~ loop.index %}
        {%- for column in group %}
        {{ wide }}.{{ column.name | ident }},
        {%- endfor %}
        {%- endfor %}
    from grid
    {%- for group in groups %}
    {%- set wide = "wide_" ~ loop.index %}
    left join {{ wide }} on grid.series = {{ wide }}.series and grid.slot = {{ wide }}.slot
    {%- endfor %}
),

filled as (
    select
        series,
        slot,
        timestamp,
        {%- for key in carried %}
        {{ key | ident }},
        {%- endfor %}
        {%- for column in columns if column.id is not none %}
        {%- if fill %}
        case
            when {{ column.name | ident }} is not null then {{ column.name | ident }}
            when timestamp - last_value(
                case when {{ column.name | ident }} is not null then timestamp end ignore nulls
            ) over carry <= $max_gap
                then last_value({{ column.name | ident }} ignore nulls) over carry
        end as {{ column.name | ident }},
        {%- else %}
        {{ column.name | ident }},
        {%- endif %}
        {%- endfor %}
    from joined
    {%- if fill %}
    window carry as (
        partition by series
        order by slot
        rows between unbounded preceding and current row
    )
    {%- endif %}
),

{%- if patch %}
{%- if kept %}

kept as (
    -- the rows before the late readings, as published
    select
        {%- for key in keys %}
        {{ key | ident }},
        {%- endfor %}
        ((epoch(timestamp)::bigint - $day_start) // 5)::integer as slot,
        {%- for column in columns if column.old %}
        {{ column.name | ident }},
        {%- endfor %}
    from read_parquet(
        $published,
        hive_partitioning = true,
        hive_types_autocast = false,
        union_by_name = true
    )
    where timestamp < to_timestamp($day_start + $from_slot * 5)
),
{%- endif %}

patched as (
    select * exclude (series, timestamp)
    from filled
    where slot >= $from_slot
    {%- if kept %}
    union all by name
    select * from kept
    {%- endif %}
),

every_series as (
    select
        {%- for key in keys %}
        {{ key | ident }},
        {%- endfor %}
        (row_number() over (order by {% for key in keys %}{{ key | ident }}, {% endfor %}one))::integer as series
    from (
        select distinct
            {%- for key in keys %}
            {{ key | ident }},
            {%- endfor %}
            1 as one
        from patched
    )
),

merged as (
    select
        every_series.*,
        slots.n::integer as slot,
        to_timestamp($day_start + slots.n * 5) as timestamp,
        {%- for column in columns %}
        patched.{{ column.name | ident }},
        {%- endfor %}
    from every_series
    cross join range(17280) as slots(n)
    left join patched
        on slots.n = patched.slot
        {%- for key in keys %}
        and every_series.{{ key | ident }} = patched.{{ key | ident }}
        {%- endfor %}
),
{%- endif %}

final as (
    select
        timestamp,
        {%- for column in columns %}
        {{ column.name | ident }},
        {%- endfor %}
        {%- for key in carried %}
        {{ key | ident }},
        {%- endfor %}
        {%- if hourly %}
        lpad((slot // 720)::varchar, 2, '0') as hour,
        {%- else %}
        cast(to_timestamp($day_start) as date) as date,
        {%- endif %}
        series,
        slot
    from {{ "merged" if patch else "filled" }}
)

select * from final
order by series, slot
