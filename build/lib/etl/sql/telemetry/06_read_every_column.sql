{#-
    Makes: one row of sums over every required column of one file: it only
    succeeds if every data page decodes. Run after a read failed, to name the
    broken file.
    From: the file $path.
    Parameters: $path.
-#}
select
    count(*) as row_count,
    sum(timestamp) as timestamps,
    sum(length(value)) as value_chars,
    sum(len(tags)) as tag_pairs,
    sum(length(payload_type)) as payload_chars
from read_parquet($path)
