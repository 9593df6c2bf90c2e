-- Makes: per equipment group, the average number of failures per equipment
--   in the period, ordered by that average ascending (then by group name).
--   Every equipment of the group counts in the denominator, including
--   equipment without failures; the average is rounded to 2 decimals.
-- From: equipment, sensors, failure_readings.
-- Parameters: $period_start, $period_end (timestamps; half-open period).
-- Portable SQL: the same text runs on PostgreSQL and DuckDB.
with

failures_by_equipment as (
    select
        s.equipment_id,
        count(*) as failures
    from failure_readings as r
    inner join sensors as s on r.sensor_id = s.sensor_id
    where
        r.level = 'ERROR'
        and r.logged_at >= $period_start
        and r.logged_at < $period_end
    group by s.equipment_id
),

final as (
    select
        e.group_name,
        count(*) as equipment_count,
        cast(coalesce(sum(f.failures), 0) as bigint) as failures,
        cast(round(cast(coalesce(sum(f.failures), 0) as numeric(18, 4)) / count(*), 2) as numeric(18, 2))
            as avg_failures_per_equipment
    from equipment as e
    left join failures_by_equipment as f on e.equipment_id = f.equipment_id
    group by e.group_name
)

select * from final
order by avg_failures_per_equipment, failures, group_name
