{#-
    Makes: one view in output/telemetry.duckdb over a dataset's parquet files,
    with phase, module and date as columns, for ad-hoc SQL in the DuckDB shell.
    From: the published day files.
    Parameters: jinja: view (name), prefix (the output folder's own name: the
    folder holds a link of that name to itself, so the same relative path
    works from the folder's parent and from inside it), pattern (the files,
    below the prefix), hourly (modules in the hourly layout, whose phase,
    module and date come from the path).
-#}
create or replace view {{ view | ident }} as
{%- if hourly %}
with files as (
    select
        *,
        regexp_extract(filename, '/([^/_]+)_([^/]+)/(\d{4})/(\d{2})/(\d{2})/\d{2}\.parquet$', [
            'phase', 'module', 'y', 'm', 'd'
        ]) as parts
    from read_parquet({{ (prefix ~ '/' ~ pattern) | literal }}, filename = true, union_by_name = true)
),

final as (
    select
        * exclude (filename, parts),
        try_cast(parts.phase as bigint) as phase,
        try_cast(parts.module as bigint) as module,
        make_date(parts.y::int, parts.m::int, parts.d::int) as date
    from files
)

select * from final
{%- else %}
select *
from read_parquet(
    {{ (prefix ~ '/' ~ pattern) | literal }},
    hive_partitioning = true,
    union_by_name = true
)
{%- endif %}
