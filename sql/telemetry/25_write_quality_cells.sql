{#-
    Makes: the day's quality cells file, _quality/date=D/cells.parquet.
    From: day_cells (24_measure_quality.sql), already in order.
    Parameters: jinja: target (a parquet file path).
-#}
copy (
    select * from day_cells
) to {{ target | literal }} (format parquet, compression snappy)
