-- Makes: table age_groups, the one definition of the report's groups and their order.
-- From: nothing (constants).
-- Parameters: none.
-- The age rule lives here and nowhere else: a group holds ages from min_age
-- (inclusive) up to below_age (exclusive), so 30 is Middle-aged and 45 is
-- Senior. Two groups hold rows no age rule can place: customers whose age is
-- missing, and purchases whose customer_id matches no customer. 08_combine.sql
-- joins every combined row to exactly one of these groups.
create or replace table age_groups as
select *
from (
    values
    (1, 'Under 18', 'age', 0, 18),
    (2, 'Young', 'age', 18, 30),
    (3, 'Middle-aged', 'age', 30, 45),
    (4, 'Senior', 'age', 45, null),
    (5, 'Unknown age', 'missing age', null, null),
    (6, 'No customer record', 'no customer', null, null)
) as groups (group_order, age_group, holds, min_age, below_age)
