{#-
    Makes: the files of generated_day: file_id, file name (without
    .parquet) and row count.
    From: generated_day (01_telemetry_day.sql or 02_shift_day.sql).
    Parameters: none.
-#}
select
    file_id,
    any_value(file_key) as file_key,
    count(*) as row_count
from generated_day
group by file_id
order by file_id
