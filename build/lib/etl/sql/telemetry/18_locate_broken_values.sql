{#-
    Makes: for each input file holding a reading that day_placed marks
    'non-numeric value', the first such row or line and its payload and value,
    so the error (or the quarantine) can name them. Runs only on that path.
    From: day_placed, day_signals and the day's input files.
    Parameters: $files, $day_start, $day_end; jinja: has_staged (a staged
    CSV/JSON copy is among the files, so rows carry their source line).
-#}
with broken as (
    select distinct
        p.timestamp,
        s.payload_type,
        p.value
    from day_placed as p
    inner join day_signals as s on p.signal_key = s.signal_key
    where p.problem = 'non-numeric value'
),

sources as (
    select
        filename as file,
        {%- if has_staged %}
        coalesce(source_line, file_row_number + 1) as line,
        {%- else %}
        file_row_number + 1 as line,
        {%- endif %}
        timestamp,
        payload_type,
        value
    from read_parquet($files, union_by_name = true, filename = true, file_row_number = true)
    where timestamp >= $day_start and timestamp < $day_end
),

final as (
    select
        s.file,
        count(*) as readings,
        min(s.line) as first_line,
        arg_min(s.payload_type, s.line) as first_payload_type,
        arg_min(s.value, s.line) as first_value
    from sources as s
    inner join broken as b
        on s.timestamp = b.timestamp and s.payload_type = b.payload_type and s.value = b.value
    group by s.file
)

select * from final
order by file
