{#-
    Makes: new rows of known_tags: the tag list behind each hash in $hashes
    that occurs in $files. The pipeline reads the day's files a few at a
    time until every new hash is learnt; every export file carries nearly
    all tag sets, so this usually reads one small batch.
    From: a batch of the day's input files.
    Parameters: $files, $hashes, $day_start, $day_end.
-#}
insert into known_tags
with tagged as (
    select
        coalesce(tags, []::varchar[][]) as tags,
        hash(tags) as tag_hash
    from read_parquet($files, union_by_name = true)
    where timestamp >= $day_start and timestamp < $day_end
),

final as (
    select
        tag_hash,
        any_value(tags) as tags
    from tagged
    where list_contains($hashes, tag_hash)
    group by tag_hash
)

select * from final
