{#-
    Makes: temp table known_tags, the tag sets met so far in this run, each
    under the 64-bit hash that readings carry instead of their tag list.
    From: nothing; 07_learn_tags.sql fills it as days bring new tag sets.
    Parameters: none.
-#}
create temp table if not exists known_tags (
    tag_hash ubigint primary key,
    tags varchar[][]
)
