{#-
    Makes: one parquet day file per series (a phase + module, a phase, or the
    system) on the strict 5-second UTC grid: 17,280 rows from 00:00:00 to
    23:59:55, timestamp first, then one column per signal.
    From: day_placed (readings of one dataset without problems).
    Parameters: $day_start (epoch seconds of 00:00 UTC), $max_gap (interval,
    used when filling); jinja: dataset, keys (series columns), columns (list
    of {name, is_text}), fill (bool), partitions (PARTITION_BY columns),
    target (a fresh folder).
    A bucket is [t, t + 5 s): numeric signals take the mean of its readings,
    text signals the last one. A bucket without a reading is NULL unless
    fill carries the last reading forward, never further than $max_gap.
-#}
copy (
    with readings as (
        select
            {%- for key in keys %}
            {{ key | ident }},
            {%- endfor %}
            timestamp,
            signal,
            num,
            value
        from day_placed
        where dataset = {{ dataset | literal }} and problem is null
    ),

    buckets as (
        select
            {%- for key in keys %}
            {{ key | ident }},
            {%- endfor %}
            time_bucket(interval 5 seconds, to_timestamp(timestamp)) as bucket,
            signal,
            avg(num) as num,
            arg_max(value, (timestamp, value)) as txt
        from readings
        group by all
    ),

    wide as (
        select
            {%- for key in keys %}
            {{ key | ident }},
            {%- endfor %}
            bucket,
            {%- for column in columns %}
            any_value({{ 'txt' if column.is_text else 'num' }}) filter (
                where signal = {{ column.name | literal }}
            ) as {{ column.name | ident }},
            {%- endfor %}
        from buckets
        group by all
    ),

    series as (
        select distinct
            {%- for key in keys %}
            {{ key | ident }},
            {%- endfor %}
            true as present
        from readings
    ),

    grid as (
        select
            series.*,
            unnest(
                generate_series(
                    to_timestamp($day_start),
                    to_timestamp($day_start + 86395),
                    interval 5 seconds
                )
            ) as timestamp
        from series
    ),

    joined as (
        select
            grid.timestamp,
            {%- for key in keys %}
            grid.{{ key | ident }},
            {%- endfor %}
            {%- for column in columns %}
            wide.{{ column.name | ident }},
            {%- endfor %}
        from grid
        left join wide
            on grid.timestamp = wide.bucket
            {%- for key in keys %}
            and grid.{{ key | ident }} = wide.{{ key | ident }}
            {%- endfor %}
    ),

    filled as (
        select
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
            {%- if keys %}
            partition by {% for key in keys %}{{ key | ident }}{{ ", " if not loop.last }}{% endfor %}
            {%- endif %}
            order by timestamp
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
            cast(timestamp as date) as date,
            strftime(timestamp, '%H') as hour
        from filled
    )

    select * exclude ({{ "date" if "date" not in partitions else "hour" }})
    from final
    order by {% for key in keys %}{{ key | ident }}, {% endfor %}timestamp
) to {{ target | literal }} (
    format parquet,
    compression snappy,
    partition_by ({% for column in partitions %}{{ column | ident }}{{ ", " if not loop.last }}{% endfor %}),
    filename_pattern 'data_{i}',
    write_partition_columns false
)
