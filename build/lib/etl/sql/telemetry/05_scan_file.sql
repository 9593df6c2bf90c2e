{#-
    Makes: the row count, timestamp range, missing timestamps and the days
    (UTC) of one file, by reading its timestamp column. Used where the footer
    has no statistics, where a file spans more than two days, and for staged
    CSV/JSON files.
    From: the parquet file $path.
    Parameters: $path, $earliest and $latest (the plausible timestamp range,
    epoch seconds); jinja: staged (true for a staged CSV/JSON copy, whose
    rows carry their source line).
-#}
with readings as (
    select
        timestamp,
        {%- if staged %}
        source_line as line
        {%- else %}
        file_row_number + 1 as line
        {%- endif %}
    from read_parquet($path, file_row_number = true)
),

final as (
    select
        count(*) as row_count,
        min(timestamp) as min_timestamp,
        max(timestamp) as max_timestamp,
        count(*) filter (where timestamp is null) as null_timestamps,
        min(line) filter (where timestamp is null) as first_null_line,
        count(*) filter (where timestamp < $earliest or timestamp > $latest) as out_of_range,
        min(line) filter (where timestamp < $earliest or timestamp > $latest) as first_out_of_range_line,
        arg_min(timestamp, line) filter (
            where timestamp < $earliest or timestamp > $latest
        ) as first_out_of_range_value,
        list_sort(
            list(distinct timestamp // 86400) filter (
                where timestamp between $earliest and $latest
            )
        ) as epoch_days
    from readings
)

select * from final
