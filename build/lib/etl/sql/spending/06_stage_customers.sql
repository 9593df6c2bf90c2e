-- Makes: table customers, one typed row per customer with full_name.
-- From: raw_customers (01_read_csv.sql), already checked by 03_find_bad_customers.sql.
-- Parameters: none.
-- full_name is the first name, a space, and the last name, each trimmed of
-- surrounding blanks; spaces inside a name are kept. A missing part is left
-- out rather than leaving a stray space; both missing gives an empty full_name.
create or replace table customers as
with source as (
    select
        nullif(trim(customer_id), '')::bigint as customer_id,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        nullif(trim(email), '') as email,
        nullif(trim(age), '')::integer as age
    from raw_customers
),

final as (
    select
        customer_id,
        nullif(concat_ws(' ', first_name, last_name), '') as full_name,
        email,
        age
    from source
)

select * from final
