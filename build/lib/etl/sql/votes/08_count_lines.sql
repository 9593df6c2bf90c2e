-- Counts this run's lines by fate, for the command's report.
-- From: votes_classified (05_classify_lines.sql). Parameters: none.
-- Returns one row: loaded, present (skipped as already present), rejected.
select
    count(*) filter (where status = 'loaded') as loaded,
    count(*) filter (where status = 'present') as present,
    count(*) filter (where status = 'rejected') as rejected,
from votes_classified
