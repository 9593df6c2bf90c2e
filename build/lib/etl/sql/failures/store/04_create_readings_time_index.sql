-- Makes: index failure_readings_logged_at_idx, for the period reports, if missing.
-- From: failure_readings.
-- Parameters: none.
create index if not exists failure_readings_logged_at_idx on failure_readings (logged_at, level)
