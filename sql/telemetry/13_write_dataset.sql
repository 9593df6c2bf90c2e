{#-
    Makes: one parquet day file per series (a phase + module, a phase, or the
    system) on the strict 5-second UTC grid: 17,280 rows from 00:00:00 to
    23:59:55, timestamp first, then one column per signal.
    From: day_placed (readings of one dataset without problems), and
    day_signals for the phase and module of each series.
    Parameters: $day_start (epoch seconds of 00:00 UTC), $max_gap (interval,
    used when filling); jinja: dataset, keys (series columns), columns (list
    of {id, name, is_text}: signal_id, column name), fill (bool), partitions
    (PARTITION_BY columns), target (a fresh folder).
    A bucket is [t, t + 5 s): numeric signals take the mean of its readings,
    text signals the last one. A bucket without a reading is NULL unless
    fill carries the last reading forward, never further than $max_gap.
-#}
copy (
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

    wide as (
        -- one row per series and 5 s slot that has readings: the pivot
        select
            series,
            slot,
            {%- for column in columns %}
            {%- if column.is_text %}
            arg_max(value, (timestamp, value)) filter (where signal_id = {{ column.id }})
            {%- else %}
            avg(num) filter (where signal_id = {{ column.id }})
            {%- endif %} as {{ column.name | ident }},
            {%- endfor %}
        from readings
        group by series, slot
    ),

    series as (
        select distinct
            series,
            {%- for key in keys %}
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
        cross join range(17280)
    ),

    joined as (
        select
            grid.series,
            grid.slot,
            to_timestamp($day_start + grid.slot * 5) as timestamp,
            {%- for key in keys %}
            grid.{{ key | ident }},
            {%- endfor %}
            {%- for column in columns %}
            wide.{{ column.name | ident }},
            {%- endfor %}
        from grid
        left join wide on grid.series = wide.series and grid.slot = wide.slot
    ),

    filled as (
        select
            series,
            slot,
            timestamp,
            {%- for key in keys %}
            {{ key | ident }},
            {%- endfor %}
            {%- for column in columns %}
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

    final as (
        select
            timestamp,
            {%- for column in columns %}
            {{ column.name | ident }},
            {%- endfor %}
            {%- for key in keys %}
            {{ key | ident }},
            {%- endfor %}
            {%- if "hour" in partitions %}
            lpad((slot // 720)::varchar, 2, '0') as hour,
            {%- else %}
            cast(to_timestamp($day_start) as date) as date,
            {%- endif %}
            series,
            slot
        from filled
    )

    select * exclude (series, slot)
    from final
    order by series, slot
) to {{ target | literal }} (
    format parquet,
    compression snappy,
    partition_by ({% for column in partitions %}{{ column | ident }}{{ ", " if not loop.last }}{% endfor %}),
    filename_pattern 'data_{i}',
    write_partition_columns false
)
