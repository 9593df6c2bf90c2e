{#-
    Makes: the day's reading counts by dataset and problem, for the run
    summary and its check that rows read = duplicates + placed + rejected.
    From: day_placed.
    Parameters: none.
-#}
select
    dataset,
    problem,
    count(*)::bigint as readings,
    sum(copies)::bigint as rows_read
from day_placed
group by dataset, problem
order by dataset nulls last, problem nulls first
