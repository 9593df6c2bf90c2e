{#-
    Makes: the day's reading counts by dataset and problem, for the run
    summary and its check that rows read = duplicates + placed + rejected;
    and, on every row, how many placed readings conflict: they share their
    timestamp, payload type and tags with a reading of another value. All
    of them are kept (a numeric bucket averages them, a text bucket takes
    the greatest value, as for any tie); the count says it happened.
    From: day_placed.
    Parameters: none.
-#}
with conflicts as (
    select coalesce(sum(readings), 0)::bigint as conflicting
    from (
        select count(*) as readings
        from day_placed
        where problem is null
        group by timestamp, signal_key
        having count(*) > 1
    )
),

counts as (
    select
        dataset,
        problem,
        count(*)::bigint as readings,
        sum(copies)::bigint as rows_read
    from day_placed
    group by dataset, problem
)

select
    counts.*,
    conflicts.conflicting
from counts
cross join conflicts
order by dataset nulls last, problem nulls first
