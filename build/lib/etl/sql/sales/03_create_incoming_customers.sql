-- Makes: incoming_customers, the empty staging table for this batch's
-- customer rows; values stay text as in bronze sales (see 02).
-- From: nothing. Parameters: none.
create or replace temp table incoming_customers (
    record_id varchar,
    source_file varchar,
    source_row bigint,
    customer_id varchar,
    gender varchar,
    age varchar,
    payment_method varchar
)
