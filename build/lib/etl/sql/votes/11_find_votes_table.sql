-- Says whether the warehouse holds blog_analysis.votes (the outliers command
-- needs it and must not create it). From: the catalog. Parameters: none.
select count(*) > 0 as found
from duckdb_tables()
where schema_name = 'blog_analysis' and table_name = 'votes'
