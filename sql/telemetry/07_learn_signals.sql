{#-
    Makes: new rows of known_signals: the payload type and tag list behind
    each hash in $hashes that occurs in $files. The pipeline reads the day's
    files a few at a time until every new hash is learnt; every export file
    carries nearly all signals, so this usually reads one small batch.
    From: a batch of the day's input files.
    Parameters: $files, $hashes, $day_start, $day_end.
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

learnt as (
    select
        sig_hash,
        any_value(payload_type) as payload_type,
        any_value(tags) as tags
    from tagged
    where list_contains($hashes, sig_hash)
    group by sig_hash
),

final as (
    select
        sig_hash,
        payload_type,
        tags,
        hash(tags) as tag_hash
    from learnt
)

select * from final
