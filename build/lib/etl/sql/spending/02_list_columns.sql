-- Makes: the column names of one raw table, in the file's header order.
-- From: information_schema.columns, for the table 01_read_csv.sql made.
-- Parameters: $table_name (raw_customers or raw_purchases).
select column_name
from information_schema.columns
where table_name = $table_name
order by ordinal_position
