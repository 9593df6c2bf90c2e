-- Makes: gold_dim_customer, the customer dimension: one row per valid
-- customer with an age band (ten-year bands from 25, 18-24 for young adults,
-- `under 18`, `65+`, and `unknown` when the export had no age).
-- From: silver_customers. Parameters: none.
create or replace temp table gold_dim_customer as
with
customers as (
    select * from silver_customers
),

final as (
    select
        customer_id,
        gender,
        age,
        case
            when age is null then 'unknown'
            when age < 18 then 'under 18'
            when age < 25 then '18-24'
            when age < 35 then '25-34'
            when age < 45 then '35-44'
            when age < 55 then '45-54'
            when age < 65 then '55-64'
            else '65+'
        end as age_band,
        payment_method,
    from customers
)

select * from final
