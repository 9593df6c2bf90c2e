{#-
    Makes: temp table day_grid, the day's rows of one dataset on the strict
    UTC grid of step $step seconds: per series (a phase + module, a phase,
    or the system) rows_per_day rows from 00:00:00 on, timestamp first,
    then one column per signal, then (only when patching) the series' keys,
    its partition value (date or hour), series and slot. Otherwise the keys
    stay out: 21_list_grid_files.sql takes them from day_signals, which
    saves carrying two text columns through the join, the sort and the
    table. 21_list_grid_files.sql and 22_write_grid_file.sql write it out,
    one parquet file per partition (not COPY ... PARTITION_BY: it does not
    keep the rows in time order).
    From: day_placed (readings of one dataset without problems), and
    day_signals for the phase and module of each series.
    Parameters: $day_start (epoch seconds of 00:00 UTC), $step (seconds),
    $max_gap_seconds (used when filling); jinja: dataset, keys (series
    columns), columns (list of {id, name, is_text, old}: signal_id, or none
    for a column that only the published files have; column name; old: the
    published files have it), groups (the columns with an id, pivoted in one
    group or more: see below), fill ('none', 'forward' or 'linear'),
    rows_per_day, rows_per_hour, hourly (bool: a partition per hour, else
    per day), patch (bool, below); when patching, $from_slot, $grid_from
    and $grid_to.
    Each pivot evaluates every column's FILTER on every reading it reads.
    With a few signals read every few seconds beside many read every few
    minutes (cell voltages), pivoting the frequent and the sparse signals
    apart, each on its own readings, and joining both onto the grid costs
    far less; pivot_groups() in the pipeline decides.
    A bucket is [t, t + step): numeric signals take the mean of its
    readings, text signals the last one. An empty bucket is NULL unless
    filled, and a fill only ever looks inside the series' own day:
      forward: the value of the last non-empty bucket, if that bucket
        starts at most $max_gap_seconds before this one (floor(max gap /
        step) buckets);
      linear (numeric signals): the straight line between the values of the
        non-empty buckets either side, at their start times, if those two
        start at most $max_gap_seconds apart; nothing before the first or
        after the last non-empty bucket. Text signals fill forward.
    Patch: late files brought readings that can change rows from slot
    $from_slot on, and day_placed holds only the readings from slot
    $grid_from on (early enough for the fill), none of them at or after slot
    $grid_to less the fill's reach. So the grid is computed for the window's
    series from $grid_from to $grid_to only, and day_grid keeps its slots
    from $from_slot on; 22_write_grid_file.sql puts each file together from
    the published rows before $from_slot, these and NULL rows after them.
    A bucket before $from_slot has no late reading and no fill that reaches
    one, so the result equals a full rebuild.
-#}
{%- set carried = keys if patch else [] %}
create or replace temp table day_grid as
with readings as (
    select
        series,
        ((timestamp - $day_start) // $step)::integer as slot,
        timestamp,
        signal_id,
        num,
        value
    from day_placed
    where dataset = {{ dataset | literal }} and problem is null
),

{%- for group in groups %}

wide_{{ loop.index }} as (
    -- one row per series and slot with readings of this group: the pivot
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
    cross join range({{ "$grid_from, $grid_to" if patch else "0, " ~ rows_per_day }})
),

joined as (
    select
        grid.series,
        grid.slot,
        to_timestamp($day_start + grid.slot * $step) as timestamp,
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
        {%- set name = column.name | ident %}
        {%- if fill == "linear" and not column.is_text %}
        -- a rounding step past either neighbour is clamped back to it
        case
            when {{ name }} is not null then {{ name }}
            when (
                first_value(case when {{ name }} is not null then slot end ignore nulls) over ahead
                - last_value(case when {{ name }} is not null then slot end ignore nulls) over carry
            ) * $step <= $max_gap_seconds
                then greatest(
                    least(
                        last_value({{ name }} ignore nulls) over carry
                        + (first_value({{ name }} ignore nulls) over ahead - last_value({{ name }} ignore nulls) over carry)
                        * (slot - last_value(case when {{ name }} is not null then slot end ignore nulls) over carry)
                        / (
                            first_value(case when {{ name }} is not null then slot end ignore nulls) over ahead
                            - last_value(case when {{ name }} is not null then slot end ignore nulls) over carry
                        ),
                        greatest(last_value({{ name }} ignore nulls) over carry, first_value({{ name }} ignore nulls) over ahead)
                    ),
                    least(last_value({{ name }} ignore nulls) over carry, first_value({{ name }} ignore nulls) over ahead)
                )
        end as {{ name }},
        {%- elif fill != "none" %}
        case
            when {{ name }} is not null then {{ name }}
            when (slot - last_value(case when {{ name }} is not null then slot end ignore nulls) over carry) * $step
                <= $max_gap_seconds
                then last_value({{ name }} ignore nulls) over carry
        end as {{ name }},
        {%- else %}
        {{ name }},
        {%- endif %}
        {%- endfor %}
    from joined
    {%- if fill != "none" %}
    window
        carry as (
            partition by series
            order by slot
            rows between unbounded preceding and current row
        ){{ "," if fill == "linear" }}
        {%- if fill == "linear" %}
        ahead as (
            partition by series
            order by slot
            rows between current row and unbounded following
        )
        {%- endif %}
    {%- endif %}
),

final as (
    select
        timestamp,
        {%- for column in columns if column.id is not none %}
        {{ column.name | ident }},
        {%- endfor %}
        {%- for key in carried %}
        {{ key | ident }},
        {%- endfor %}
        {%- if hourly %}
        lpad((slot // {{ rows_per_hour }})::varchar, 2, '0') as hour,
        {%- else %}
        cast(to_timestamp($day_start) as date) as date,
        {%- endif %}
        series,
        slot
    from filled
    {%- if patch %}
    where slot >= $from_slot
    {%- endif %}
)

select * from final
order by series, slot
