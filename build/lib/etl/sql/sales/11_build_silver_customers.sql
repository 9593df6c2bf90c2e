-- Makes: silver_customers, one typed, cleaned row per customer_id: the rows
-- of customers_checked that broke no rule, with where they came from.
-- From: customers_checked. Parameters: none.
create or replace temp table silver_customers as
with
passing as (
    select *
    from customers_checked
    where len(failed_rules) = 0
),

final as (
    select
        customer_id,
        gender,
        age,
        payment_method,
        record_id,
        batch_id,
        ingested_at,
    from passing
)

select * from final
