-- Makes: table purchases, one typed row per purchase line of the file.
-- From: raw_purchases (01_read_csv.sql), already checked by 04_find_bad_purchases.sql.
-- Parameters: none.
-- purchase_row is the 1-based data row of purchases.csv (header excluded):
-- the file has no purchase id, so the row is what tells two identical-looking
-- purchases apart. Every row is kept, duplicates included (see docs/spending.md).
create or replace table purchases as
with source as (
    select
        rowid + 1 as purchase_row,
        nullif(trim(customer_id), '')::bigint as customer_id,
        nullif(trim(product), '') as product,
        nullif(trim(price), '')::decimal(18, 2) as price
    from raw_purchases
),

final as (
    select *
    from source
)

select * from final
