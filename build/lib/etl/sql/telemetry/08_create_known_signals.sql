{#-
    Makes: temp table known_signals, the (payload type, tag set) pairs met
    so far in this run, each under the 64-bit hash that readings carry
    instead of the pair, with the hash of the tag set alone (tag_hash).
    From: nothing; 13_learn_signals.sql fills it as days bring new pairs.
    Parameters: none.
-#}
create temp table if not exists known_signals (
    sig_hash ubigint primary key,
    payload_type varchar,
    tags varchar[][],
    tag_hash ubigint
)
