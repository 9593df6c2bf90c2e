{#-
    Makes: the day's rejected readings as one parquet file, each with the
    reason, so nothing leaves the pipeline without a trace.
    From: day_placed, readings whose problem rejects them.
    Parameters: jinja: target (a parquet file path).
-#}
copy (
    select
        problem as reason,
        to_timestamp(timestamp) as timestamp,
        payload_type,
        value,
        tags,
        copies
    from day_placed
    where problem is not null and problem <> 'non-numeric value'
    order by timestamp, payload_type, value
) to {{ target | literal }} (format parquet, compression zstd)
