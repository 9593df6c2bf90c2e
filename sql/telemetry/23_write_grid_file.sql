{#-
    Makes: one parquet file of day_grid: the rows of $series from slot
    $first_slot to $last_slot, in time order, without the series, key and
    partition columns (the file's hive path carries the keys).
    From: day_grid (13_build_grid.sql).
    Parameters: $series, $first_slot, $last_slot; jinja: drop (the columns
    to leave out), target (the file).
    A plain COPY keeps the ORDER BY in the file; COPY ... PARTITION_BY does
    not (duckdb/duckdb#14349), hence a COPY per file.
-#}
copy (
    select * exclude ({% for column in drop %}{{ column | ident }}{{ ", " if not loop.last }}{% endfor %})
    from day_grid
    where series = $series and slot between $first_slot and $last_slot
    order by slot
) to {{ target | literal }} (
    format parquet,
    compression snappy
)
