-- Makes `blog_analysis.votes`, one row per vote, if it is not there yet.
-- From: nothing (filled by 07_insert_votes.sql). Parameters: none.
-- The primary key on Id is the warehouse's promise that a vote appears once;
-- ingestion never relies on it firing (it skips known Ids first), it is the
-- guard that makes a duplicate impossible whatever writes to the table.
create table if not exists blog_analysis.votes (
    Id bigint primary key,
    PostId bigint not null,
    VoteTypeId integer not null,
    CreationDate timestamp not null,
    UserId bigint,
    BountyAmount integer
)
