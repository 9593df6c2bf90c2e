-- Appends the new votes to blog_analysis.votes, in Id order.
-- From: votes_classified (05_classify_lines.sql), lines with status 'loaded'
-- (at most one per Id, none already in the table). Parameters: none.
insert into blog_analysis.votes
select
    Id,
    PostId,
    VoteTypeId,
    CreationDate,
    UserId,
    BountyAmount,
from votes_classified
where status = 'loaded'
order by Id
