-- Makes: gold_sales_by_segment, the report gender x age band: invoices,
-- customers, units sold, revenue and average order value (revenue per
-- invoice, rounded to cents).
-- From: gold_fact_sales, gold_dim_customer. Parameters: none.
create or replace temp table gold_sales_by_segment as
with
sales as (
    select
        fact.invoice_no,
        fact.customer_id,
        fact.quantity,
        fact.line_total,
        dim.gender,
        dim.age_band,
    from gold_fact_sales as fact
    inner join gold_dim_customer as dim using (customer_id)
),

final as (
    select
        gender,
        age_band,
        count(distinct invoice_no) as invoices,
        count(distinct customer_id) as customers,
        sum(quantity)::bigint as quantity,
        sum(line_total)::decimal(18, 2) as revenue,
        round(sum(line_total) / count(distinct invoice_no), 2)::decimal(18, 2) as average_order_value,
    from sales
    group by gender, age_band
)

select * from final
