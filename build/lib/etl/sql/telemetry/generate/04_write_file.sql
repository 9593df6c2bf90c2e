{#-
    Makes: one exporter file: the rows of $file_id in generated_day, in
    __index_level_0__ order.
    From: generated_day.
    Parameters: $file_id; jinja: target (the file).
    One plain COPY per file: COPY ... PARTITION_BY would not keep the rows
    in order within each file (duckdb/duckdb#14349).
-#}
copy (
    select
        timestamp,
        payload_type,
        value,
        tags,
        __index_level_0__
    from generated_day
    where file_id = $file_id
    order by __index_level_0__
) to {{ target | literal }} (
    format parquet,
    compression snappy
)
