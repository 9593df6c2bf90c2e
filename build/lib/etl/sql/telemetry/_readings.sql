{#-
    A macro, not a step: the distinct readings of the day, shared by
    11_dedupe_day.sql and the one-pass form of 16_place_readings.sql.
    distinct_readings(): the select, with one row per distinct reading
    (timestamp, sig_hash, value) and how many copies of it arrived.
    Parameters it uses: $files, $day_start, $day_end.
    Exact duplicates are readings equal in timestamp, payload_type, value and
    tags. The payload type and tags are compared, and carried on, as one
    64-bit hash (sig_hash): grouping on lists, or keeping one list per
    reading, would cost as much again as the rest of the step, and one key
    groups faster than two. known_signals turns a hash back into the pair.
    Missing tags hash like an empty list (hash(NULL) = hash([]) in DuckDB,
    also inside hash(payload_type, tags); a stage test holds this), so they
    need no coalesce here.
-#}
{%- macro distinct_readings() -%}
select
    timestamp,
    hash(payload_type, tags) as sig_hash,
    value,
    count(*) as copies
from read_parquet($files, union_by_name = true)
where timestamp >= $day_start and timestamp < $day_end
group by timestamp, sig_hash, value
{%- endmacro %}
