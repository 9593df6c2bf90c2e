-- Makes `blog_analysis.votes_rejects`, the quarantine for input lines that
-- could not be loaded, if it is not there yet.
-- From: nothing (filled by 06_insert_rejects.sql). Parameters: none.
-- One row per (file, line_number, raw_text): re-ingesting a file does not
-- repeat its rejects; rejected_at is when the line was first rejected.
create table if not exists blog_analysis.votes_rejects (
    file varchar not null,
    line_number bigint not null,
    raw_text varchar not null,
    reason varchar not null,
    rejected_at timestamp not null
)
