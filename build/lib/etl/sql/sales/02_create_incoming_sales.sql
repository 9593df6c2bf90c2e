-- Makes: incoming_sales, the empty staging table for this batch's sales rows.
-- Every source value stays text, exactly as read; record_id names the row by
-- its source (`<file>#<row>`), the key of bronze.
-- From: nothing. Parameters: none.
create or replace temp table incoming_sales (
    record_id varchar,
    source_file varchar,
    source_row bigint,
    invoice_no varchar,
    customer_id varchar,
    category varchar,
    quantity varchar,
    price varchar,
    invoice_date varchar,
    shopping_mall varchar
)
