{#-
    Makes: temp table generated_day, a later day of exporter files as a
    copy of an already generated template day, every timestamp and export
    time moved by $shift_days days (04_write_file.sql writes them).
    Generating each of a long history's days from scratch costs minutes a
    day; shifting a few template days keeps the cadences, re-sends and gaps.
    From: the template day's files $files.
    Parameters: $files, $shift_days.
-#}
create or replace temp table generated_day as
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
        || '-' || name.uuid as file_key,
        dense_rank() over (order by filename) as file_id
    from source
)

select * from final
order by file_id, __index_level_0__
