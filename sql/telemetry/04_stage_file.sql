{#-
    Makes: a parquet copy of one CSV, JSON or odd-typed parquet input in the
    canonical long schema
    (timestamp BIGINT, payload_type, value and tags as text, tags a list of
    [key, value] pairs), with each reading's source line, so that every later
    step reads one format and the same readings give the same output.
    From: the CSV (read_csv_auto), JSON / JSON-lines or parquet input $source.
    Parameters: $source; jinja: format ('csv', 'json' or 'parquet'), target
    (the parquet path).
    CSV: the dialect is fixed (comma, double quotes, a header; `csv_columns`
    are the header's names, all read as text) rather than sniffed, because a
    sniffer can misread a file with a broken line instead of reporting it;
    a malformed line stops the statement with DuckDB's error naming the line.
    A timestamp that is not a whole number becomes NULL, which indexing
    reports with its line; tags that are not a JSON list of [key, value]
    pairs stop the statement with their line.
-#}
copy (
    with raw as (
        {%- if format == 'csv' %}
        select
            *,
            row_number() over () + 1 as source_line
        from read_csv_auto(
            $source,
            header = true,
            auto_detect = false,
            delim = ',',
            quote = '"',
            escape = '"',
            strict_mode = true,
            columns = {
                {%- for column in csv_columns %}
                {{ column | literal }}: 'VARCHAR'{{ "," if not loop.last }}
                {%- endfor %}
            }
        )
        {%- elif format == 'parquet' %}
        select
            *,
            file_row_number + 1 as source_line
        from read_parquet($source, file_row_number = true)
        {%- else %}
        select
            *,
            row_number() over () as source_line
        from read_json(
            $source,
            format = 'auto',
            columns = {
                timestamp: 'VARCHAR',
                payload_type: 'VARCHAR',
                value: 'JSON',
                tags: 'JSON'
            }
        )
        {%- endif %}
    ),

    {%- if format != 'parquet' %}

    parsed as (
        select
            *,
            try_cast(try_cast(coalesce(nullif(tags::varchar, ''), '[]') as json) as varchar[][]) as tag_pairs
        from raw
    ),
    {%- endif %}

    final as (
        select
            {%- if format == 'parquet' %}
            try_cast(timestamp as bigint) as timestamp,
            {%- else %}
            -- a whole number only: a cast would round 1717570000.5 silently
            case
                when regexp_full_match(trim(timestamp::varchar), '-?[0-9]+') then try_cast(timestamp as bigint)
            end as timestamp,
            {%- endif %}
            payload_type::varchar as payload_type,
            {%- if format == 'csv' %}
            value::varchar as value,
            {%- elif format == 'parquet' %}
            value::varchar as value,
            tags,
            {%- else %}
            case
                when json_type(value) = 'VARCHAR' then value ->> '$'
                else value::varchar
            end as value,
            {%- endif %}
            {%- if format != 'parquet' %}
            case
                when tag_pairs is null
                    then error(
                        'line ' || source_line || ': tags are not a JSON list of [key, value] pairs: '
                        || left(tags::varchar, 80)
                    )
                else tag_pairs
            end as tags,
            {%- endif %}
            source_line
        from {{ "raw" if format == 'parquet' else "parsed" }}
    )

    select * from final
) to {{ target | literal }} (format parquet, compression zstd)
