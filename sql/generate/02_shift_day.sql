{#-
    Makes: a later day of exporter files as a copy of an already generated
    template day, every timestamp and export time moved by $shift_days days.
    Generating each of a long history's days from scratch costs minutes a
    day; shifting a week of templates keeps the cadences, re-sends and gaps.
    From: the template day's files $files.
    Parameters: $files, $shift_days; jinja: target (folder; one partition
    per output file).
-#}
copy (
    with source as (
        select
            *,
            regexp_extract(
                filename,
                'telemetry-export-metrics-(\d+)-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-([0-9a-f-]+)\.parquet$',
                ['exporter', 'exported', 'uuid']
            ) as name
        from read_parquet($files, filename = true)
    ),

    final as (
        select
            timestamp + $shift_days * 86400 as timestamp,
            payload_type,
            value,
            tags,
            __index_level_0__,
            'telemetry-export-metrics-' || name.exporter || '-'
            || strftime(strptime(name.exported, '%Y-%m-%d-%H-%M-%S') + to_days($shift_days), '%Y-%m-%d-%H-%M-%S')
            || '-' || name.uuid as file_key
        from source
    )

    select * from final
) to {{ target | literal }} (
    format parquet,
    compression snappy,
    partition_by (file_key),
    write_partition_columns false,
    filename_pattern 'data_{i}'
)
