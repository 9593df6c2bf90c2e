-- Makes: one row per purchase value the pipeline cannot use (empty result = all good).
-- From: raw_purchases (01_read_csv.sql).
-- Parameters: none.
-- Columns: row_number (1-based data row, header excluded), column_name, value, problem.
-- Values are trimmed; a blank value counts as empty.
-- Rules: customer_id is empty (a purchase without a customer: kept) or a whole
-- number of at most 18 digits; price is a non-empty, non-negative amount with at
-- most 2 decimals and at most 16 digits before the point (it fits decimal(18, 2)).
with numbered as (
    select
        rowid + 1 as row_number,
        nullif(trim(customer_id), '') as customer_id,
        nullif(trim(price), '') as price
    from raw_purchases
),

problems as (
    select
        row_number,
        'customer_id' as column_name,
        customer_id as value,
        'is not a whole number of at most 18 digits' as problem
    from numbered
    where not regexp_full_match(customer_id, '[0-9]{1,18}')

    union all

    select
        row_number,
        'price' as column_name,
        price as value,
        'is empty' as problem
    from numbered
    where price is null

    union all

    select
        row_number,
        'price' as column_name,
        price as value,
        case
            when not coalesce(isfinite(try_cast(price as double)), false) then 'is not a number'
            when try_cast(price as double) < 0 then 'is negative'
            when regexp_full_match(price, '[0-9]*\.[0-9]{3,}') then 'has more than 2 decimal places'
            else 'is not a plain amount like 12 or 12.50 (at most 16 digits before the point)'
        end as problem
    from numbered
    where not regexp_full_match(price, '[0-9]{1,16}(\.[0-9]{1,2})?')
),

final as (
    select *
    from problems
    order by row_number, column_name
)

select * from final
