-- Makes: one row, the number of equipment failures in the period.
--   A failure is one stored ERROR reading; the period is half-open:
--   $period_start <= logged_at < $period_end.
-- From: failure_readings.
-- Parameters: $period_start, $period_end (timestamps).
-- Portable SQL: the same text runs on PostgreSQL and DuckDB.
select
    cast($period_start as timestamp) as period_start,
    cast($period_end as timestamp) as period_end,
    count(*) as failures
from failure_readings
where
    level = 'ERROR'
    and logged_at >= $period_start
    and logged_at < $period_end
