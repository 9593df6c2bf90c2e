-- Makes: gold_fact_sales, one row per invoice line with its line total and
-- date parts; invoice_month (`yyyy-MM`) is the partition column, the filter
-- analysts put on every question (a month, a quarter, a year).
-- From: silver_sales. Parameters: none.
create or replace temp table gold_fact_sales as
with
sales as (
    select * from silver_sales
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
        year(invoice_date)::integer as invoice_year,
        quarter(invoice_date)::integer as invoice_quarter,
        month(invoice_date)::integer as invoice_month_number,
        day(invoice_date)::integer as invoice_day,
        isodow(invoice_date)::integer as invoice_weekday,
        strftime(invoice_date, '%Y-%m') as invoice_month,
    from sales
)

select * from final
