{#-
    Makes: one parquet file of day_grid: the rows of $series from slot
    $first_slot to $last_slot, in time order, without the series, key and
    partition columns (the file's hive path carries the keys).
    From: day_grid (20_build_grid.sql); when patching, also the series'
    published file of the day.
    Parameters: $series, $first_slot, $last_slot; jinja: drop (the columns
    to leave out), target (the file), patch (bool, below).
    A plain COPY keeps the order rows come in; COPY ... PARTITION_BY does
    not (duckdb/duckdb#14349), hence a COPY per file. day_grid was stored
    in (series, slot) order, and a scan without ORDER BY returns rows in
    that order (preserve_insertion_order, on by default), so the file needs
    no sort: a quarter of the COPY's time. Tests check every file's order.
    No dictionary encoding: the columns are mostly distinct floats and
    NULLs, the files come out 1 % larger, and writing one takes 13 % less.
    Patch: the day's file of the series is put together in three parts, in
    time order: the rows before slot $from_slot as published (NULL rows
    when the series has no published file), the slots day_grid computed for
    it (from $from_slot to $tail_from - 1; none when `computed` is false),
    and NULL rows from $tail_from to the end of the day. UNION ALL and a
    single-file scan keep the order of their rows (DuckDB's documented
    order preservation), so no sort is needed here either. Parameters:
    $day_start, $step, $from_slot, $tail_from, and $series when computed;
    jinja: columns (every column of the dataset's files, in file order:
    {name, is_text, id, old}; id none: only the published files have it;
    old: the published files have it), published (the series' published
    file, or empty), computed, rows_per_day.
-#}
{%- macro typed_null(column) -%}
null::{{ "varchar" if column.is_text else "double" }} as {{ column.name | ident }}
{%- endmacro %}
{%- macro nulls_from(first, last) %}
    select
        to_timestamp($day_start + range * $step) as timestamp,
        {%- for column in columns %}
        {{ typed_null(column) }},
        {%- endfor %}
    from range({{ first }}, {{ last }})
{%- endmacro %}
copy (
{%- if patch %}
    {%- if published %}
    select
        timestamp,
        {%- for column in columns %}
        {{ column.name | ident if column.old else typed_null(column) }},
        {%- endfor %}
    from read_parquet({{ published | literal }}, hive_partitioning = false)
    where timestamp < to_timestamp($day_start + $from_slot * $step)
    {%- else %}
    {{- nulls_from("0", "greatest($from_slot, 0)") }}
    {%- endif %}
    {%- if computed %}
    union all
    select
        timestamp,
        {%- for column in columns %}
        {{ column.name | ident if column.id is not none else typed_null(column) }},
        {%- endfor %}
    from day_grid
    where series = $series
    {%- endif %}
    union all
    {{- nulls_from("$tail_from", rows_per_day) }}
{%- else %}
    select * exclude ({% for column in drop %}{{ column | ident }}{{ ", " if not loop.last }}{% endfor %})
    from day_grid
    where series = $series and slot between $first_slot and $last_slot
{%- endif %}
) to {{ target | literal }} (
    format parquet,
    compression snappy,
    dictionary_size_limit 0
)
