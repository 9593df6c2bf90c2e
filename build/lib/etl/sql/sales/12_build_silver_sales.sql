-- Makes: silver_sales, one typed, cleaned row per invoice_no: the rows of
-- sales_checked that broke no rule. The CSV's `price` is the line total, so
-- it is named line_total here; unit_price comes from the price list.
-- From: sales_checked. Parameters: none.
create or replace temp table silver_sales as
with
passing as (
    select *
    from sales_checked
    where len(failed_rules) = 0
),

final as (
    select
        invoice_no,
        customer_id,
        category,
        shopping_mall,
        quantity,
        unit_price,
        line_total,
        invoice_date,
        record_id,
        batch_id,
        ingested_at,
    from passing
)

select * from final
