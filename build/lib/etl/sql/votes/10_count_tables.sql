-- Makes: the rows each warehouse table holds after the load, for the run summary.
-- From: blog_analysis.votes, blog_analysis.votes_rejects. Parameters: none.
select 'blog_analysis.votes' as table_name, count(*) as row_count from blog_analysis.votes
union all
select 'blog_analysis.votes_rejects', count(*) from blog_analysis.votes_rejects
