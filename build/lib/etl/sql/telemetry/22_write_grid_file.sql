{#-
    Makes: one parquet file of day_grid: the rows of $series from slot
    $first_slot to $last_slot, in time order, without the series, key and
    partition columns (the file's hive path carries the keys).
    From: day_grid (20_build_grid.sql).
    Parameters: $series, $first_slot, $last_slot; jinja: drop (the columns
    to leave out), target (the file).
    A plain COPY keeps the order rows come in; COPY ... PARTITION_BY does
    not (duckdb/duckdb#14349), hence a COPY per file. day_grid was stored
    in (series, slot) order, and a scan without ORDER BY returns rows in
    that order (preserve_insertion_order, on by default), so the file needs
    no sort: a quarter of the COPY's time. Tests check every file's order.
    No dictionary encoding: the columns are mostly distinct floats and
    NULLs, the files come out 1 % larger, and writing one takes 13 % less.
-#}
copy (
    select * exclude ({% for column in drop %}{{ column | ident }}{{ ", " if not loop.last }}{% endfor %})
    from day_grid
    where series = $series and slot between $first_slot and $last_slot
) to {{ target | literal }} (
    format parquet,
    compression snappy,
    dictionary_size_limit 0
)
