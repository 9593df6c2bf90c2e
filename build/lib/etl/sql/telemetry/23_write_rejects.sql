{#-
    Makes: the day's rejected readings as one parquet file, each with the
    reason, so nothing leaves the pipeline without a trace.
    From: day_placed, readings whose problem rejects them, their payload
    type from day_signals and their tags from day_tags.
    Parameters: jinja: target (a parquet file path), kept (bool: a patch,
    where day_placed holds only the readings from $window_start on and the
    day's published rejects file $published gives the earlier ones).
-#}
copy (
    with rejected as (
        select
            p.problem as reason,
            to_timestamp(p.timestamp) as timestamp,
            s.payload_type,
            p.value,
            t.tags,
            p.copies
        from day_placed as p
        inner join day_signals as s on p.signal_key = s.signal_key
        inner join day_tags as t on s.tag_hash = t.tag_hash
        where p.problem is not null and p.problem <> 'non-numeric value'
        {%- if kept %}
        union all
        select *
        from read_parquet($published, hive_partitioning = false)
        where timestamp < to_timestamp($window_start)
        {%- endif %}
    )

    select * from rejected
    order by timestamp, payload_type, value, tags
) to {{ target | literal }} (format parquet, compression snappy)
