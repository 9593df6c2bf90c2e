{#-
    Makes: temp table day_readings, the distinct readings of one UTC day and
    how many copies of each arrived. A reading belongs to the day of its own
    timestamp, whichever file or folder brought it.
    From: every input file whose timestamps may fall in the day (originals
    and staged CSV/JSON copies, all in the canonical long schema).
    Parameters: $files (list of parquet paths), $day_start and $day_end
    (epoch seconds; the day is [start, end)).
    Exact duplicates are readings equal in timestamp, payload_type, value and
    tags; tags are compared through their 64-bit hash, which costs half of
    comparing the lists themselves.
-#}
create or replace temp table day_readings as
with raw as (
    select
        timestamp,
        payload_type,
        value,
        coalesce(tags, []::varchar[][]) as tags
    from read_parquet($files, union_by_name = true)
    where timestamp >= $day_start and timestamp < $day_end
),

final as (
    select
        timestamp,
        payload_type,
        value,
        hash(tags) as tag_hash,
        any_value(tags) as tags,
        count(*) as copies
    from raw
    group by timestamp, payload_type, value, hash(tags)
)

select * from final
