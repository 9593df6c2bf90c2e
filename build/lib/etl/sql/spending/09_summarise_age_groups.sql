-- Makes: table age_group_spending, one row per age group (every group, even empty ones).
-- From: age_groups (05), combined (08).
-- Parameters: none.
-- customers counts distinct known customers in the group (with or without
-- purchases); purchases counts purchase rows; total_spending sums their price
-- (0 for a group without purchases). Since every combined row has exactly one
-- group, the totals add up to the sum of all prices in purchases.csv.
create or replace table age_group_spending as
with per_group as (
    select
        group_order,
        count(distinct customer_id) filter (where match_status <> 'purchase without customer') as customers,
        count(purchase_row) as purchases,
        sum(price) as total_spending
    from combined
    group by group_order
),

final as (
    select
        age_groups.group_order,
        age_groups.age_group,
        age_groups.holds,
        age_groups.min_age,
        age_groups.below_age,
        coalesce(per_group.customers, 0) as customers,
        coalesce(per_group.purchases, 0) as purchases,
        coalesce(per_group.total_spending, 0)::decimal(38, 2) as total_spending
    from age_groups
    left join per_group using (group_order)
    order by age_groups.group_order
)

select * from final
