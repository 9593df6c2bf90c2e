-- Makes: table combined, every customer and every purchase, joined on customer_id.
-- From: customers (06), purchases (07), age_groups (05).
-- Parameters: none.
-- A full outer join loses nothing: a customer without purchases gets one row
-- with empty purchase fields, a purchase whose customer_id matches no customer
-- (or is empty) gets one row with empty customer fields. match_status says
-- which case a row is. Each row joins to exactly one age group.
create or replace table combined as
with joined as (
    select
        coalesce(customers.customer_id, purchases.customer_id) as customer_id,
        customers.customer_id is not null as has_customer,
        purchases.purchase_row is not null as has_purchase,
        customers.full_name,
        customers.email,
        customers.age,
        purchases.purchase_row,
        purchases.product,
        purchases.price
    from customers
    full outer join purchases
        on customers.customer_id = purchases.customer_id
),

grouped as (
    select
        joined.*,
        age_groups.age_group,
        age_groups.group_order
    from joined
    inner join age_groups
        on case
            when not joined.has_customer then age_groups.holds = 'no customer'
            when joined.age is null then age_groups.holds = 'missing age'
            else
                age_groups.holds = 'age'
                and joined.age >= age_groups.min_age
                and (joined.age < age_groups.below_age or age_groups.below_age is null)
        end
),

final as (
    select
        customer_id,
        full_name,
        email,
        age,
        age_group,
        group_order,
        purchase_row,
        product,
        price,
        case
            when has_customer and has_purchase then 'matched'
            when has_customer then 'customer without purchases'
            else 'purchase without customer'
        end as match_status
    from grouped
)

select * from final
