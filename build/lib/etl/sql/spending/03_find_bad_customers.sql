-- Makes: one row per customer value the pipeline cannot use (empty result = all good).
-- From: raw_customers (01_read_csv.sql).
-- Parameters: none.
-- Columns: row_number (1-based data row, header excluded), column_name, value, problem.
-- Values are trimmed; a blank value counts as empty.
-- Rules: customer_id is a non-empty whole number of at most 18 digits (so it
-- fits a bigint) that appears once; age is empty (missing: the customer is
-- kept in the "Unknown age" group) or a whole number from 0 to 130.
with numbered as (
    select
        rowid + 1 as row_number,
        nullif(trim(customer_id), '') as customer_id,
        nullif(trim(age), '') as age
    from raw_customers
),

checked as (
    select
        *,
        try_cast(
            case when regexp_full_match(customer_id, '[0-9]{1,18}') then customer_id end as bigint
        ) as id_value,
        try_cast(case when regexp_full_match(age, '[0-9]+') then age end as double) as age_value
    from numbered
),

first_rows as (
    select
        id_value,
        min(row_number) as first_row
    from checked
    where id_value is not null
    group by id_value
),

problems as (
    select
        row_number,
        'customer_id' as column_name,
        customer_id as value,
        'is empty' as problem
    from checked
    where customer_id is null

    union all

    select
        row_number,
        'customer_id' as column_name,
        customer_id as value,
        'is not a whole number of at most 18 digits' as problem
    from checked
    where customer_id is not null and id_value is null

    union all

    select
        checked.row_number,
        'customer_id' as column_name,
        checked.customer_id as value,
        'repeats the customer_id of row ' || first_rows.first_row as problem
    from checked
    inner join first_rows using (id_value)
    where checked.row_number > first_rows.first_row

    union all

    select
        row_number,
        'age' as column_name,
        age as value,
        case
            when age_value is null then 'is not a whole number of years'
            else 'is over 130'
        end as problem
    from checked
    where age is not null and (age_value is null or age_value > 130)
),

final as (
    select *
    from problems
    order by row_number, column_name
)

select * from final
