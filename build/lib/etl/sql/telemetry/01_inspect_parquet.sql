{#-
    Makes: one row per parquet input file: its row count, the range of its
    timestamps and how many timestamps are missing, read from the parquet
    footers only (no data pages), so indexing thousands of files is cheap.
    From: the footers of $files.
    Parameters: $files (list of paths).
-#}
with timestamp_chunks as (
    select
        file_name,
        row_group_num_rows,
        stats_min_value,
        stats_max_value,
        stats_null_count
    from parquet_metadata($files)
    where path_in_schema = 'timestamp'
),

final as (
    select
        file_name,
        sum(row_group_num_rows)::bigint as row_count,
        min(try_cast(stats_min_value as bigint)) as min_timestamp,
        max(try_cast(stats_max_value as bigint)) as max_timestamp,
        sum(stats_null_count)::bigint as null_timestamps,
        bool_or(stats_min_value is null and row_group_num_rows > 0) as missing_stats
    from timestamp_chunks
    group by file_name
)

select * from final
