-- Makes: one row of counts for the run summary the command prints.
-- From: customers (06), purchases (07), combined (08), age_group_spending (09).
-- Parameters: none.
-- duplicate_purchase_rows counts rows that repeat an earlier row's
-- (customer_id, product, price) exactly; they are kept, not removed.
with repeats as (
    select count(*) - 1 as extra_rows
    from purchases
    group by customer_id, product, price
    having count(*) > 1
),

final as (
    select
        (select count(*) from customers) as customers,
        (select count(*) from purchases) as purchases,
        (select count(*) from combined) as combined_rows,
        (select count(*) from combined where match_status = 'customer without purchases')
            as customers_without_purchases,
        (select count(*) from combined where match_status = 'purchase without customer')
            as purchases_without_customer,
        (select coalesce(sum(extra_rows), 0) from repeats) as duplicate_purchase_rows,
        (select coalesce(sum(price), 0) from purchases) as purchases_total,
        (select sum(total_spending) from age_group_spending) as report_total
)

select * from final
