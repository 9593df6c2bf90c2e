{#-
    Makes: temp table day_readings, the distinct readings of one UTC day and
    how many copies of each arrived. A reading belongs to the day of its own
    timestamp, whichever file or folder brought it.
    From: every input file whose timestamps may fall in the day (originals
    and staged CSV/JSON copies, all in the canonical long schema).
    Parameters: $files (list of parquet paths), $day_start and $day_end
    (epoch seconds; the day is [start, end)).
    Exact duplicates are readings equal in timestamp, payload_type, value and
    tags. The payload type and tags are compared, and carried on, as one
    64-bit hash (sig_hash): grouping on lists, or keeping one list per
    reading, would cost as much again as the rest of the step, and one key
    groups faster than two. known_signals turns a hash back into the pair.
    Missing tags hash like an empty list (hash(NULL) = hash([]) in DuckDB,
    also inside hash(payload_type, tags); a stage test holds this), so they
    need no coalesce here.
-#}
create or replace temp table day_readings as
with raw as (
    select
        timestamp,
        hash(payload_type, tags) as sig_hash,
        value
    from read_parquet($files, union_by_name = true)
    where timestamp >= $day_start and timestamp < $day_end
),

final as (
    select
        timestamp,
        sig_hash,
        value,
        count(*) as copies
    from raw
    group by timestamp, sig_hash, value
)

select * from final
