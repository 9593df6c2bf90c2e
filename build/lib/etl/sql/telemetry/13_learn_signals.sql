{#-
    Makes: new rows of known_signals: the payload type and tag list behind
    each signal hash in $files (within the day) that known_signals does not
    know yet. The pipeline reads the day's files a few at a time until every
    hash of day_readings is learnt; every export file carries most signals,
    so this usually reads one or two small batches.
    From: a batch of the day's input files, known_signals.
    Parameters: $files, $day_start, $day_end.
    The batch is grouped by hash before known hashes are dropped: a group
    keeps one tag list, and each hash is looked up once, not once per row.
-#}
insert into known_signals
with tagged as (
    select
        payload_type,
        coalesce(tags, []::varchar[][]) as tags,
        hash(payload_type, tags) as sig_hash
    from read_parquet($files, union_by_name = true)
    where timestamp >= $day_start and timestamp < $day_end
),

signals as (
    select
        sig_hash,
        any_value(payload_type) as payload_type,
        any_value(tags) as tags
    from tagged
    group by sig_hash
),

final as (
    select
        s.sig_hash,
        s.payload_type,
        s.tags,
        hash(s.tags) as tag_hash
    from signals as s
    anti join known_signals as k on s.sig_hash = k.sig_hash
)

select * from final
