-- Makes: the equipment code with the most failures in the period, with its
--   count. Ties: every code sharing the highest count, ordered by code. No
--   failure in the period: no row.
-- From: failure_readings, sensors, equipment.
-- Parameters: $period_start, $period_end (timestamps; half-open period).
-- Portable SQL: the same text runs on PostgreSQL and DuckDB.
with

failures_by_equipment as (
    select
        e.code as equipment_code,
        count(*) as failures
    from failure_readings as r
    inner join sensors as s on r.sensor_id = s.sensor_id
    inner join equipment as e on s.equipment_id = e.equipment_id
    where
        r.level = 'ERROR'
        and r.logged_at >= $period_start
        and r.logged_at < $period_end
    group by e.code
),

final as (
    select
        equipment_code,
        failures
    from failures_by_equipment
    where failures = (select max(failures) from failures_by_equipment)
)

select * from final
order by equipment_code
