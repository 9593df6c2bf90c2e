-- Makes: customers_row_checked, every bronze customer row once, normalised and
-- typed, with row_rules: the quality rules it breaks, in the order below.
-- Row rules:
--   missing_customer_id    customer_id blank or absent
--   invalid_customer_id    customer_id not `C` followed by digits
--   invalid_gender         gender not male/female (any case, any spacing)
--   invalid_age            age given but not a whole number from 0 to 120
--                          (a missing age is allowed: age band `unknown`)
--   invalid_payment_method payment_method not cash, credit card, debit card
-- content holds the values that make two rows of one customer_id the same;
-- 10_resolve_resends.sql then settles re-sent customers.
-- From: bronze_customers. Parameters: none.
create or replace temp table customers_row_checked as
with
bronze as (
    select * from bronze_customers
),

genders (gender_key, gender) as (
    values ('male', 'Male'), ('female', 'Female')
),

payment_methods (payment_key, payment_method) as (
    values ('cash', 'Cash'), ('credit card', 'Credit Card'), ('debit card', 'Debit Card')
),

normalised as (
    select
        bronze.record_id,
        bronze.source_file,
        bronze.source_row,
        bronze.ingested_at,
        bronze.batch_id,
        bronze.age as raw_age,
        upper(clean_text(bronze.customer_id)) as customer_id,
        genders.gender,
        case
            when regexp_full_match(clean_text(bronze.age), '-?[0-9]+')
                then try_cast(clean_text(bronze.age) as integer)
        end as age,
        payment_methods.payment_method,
        to_json({
            customer_id: bronze.customer_id,
            gender: bronze.gender,
            age: bronze.age,
            payment_method: bronze.payment_method,
        })::varchar as raw_values,
    from bronze
    left join genders
        on genders.gender_key = lower(clean_text(bronze.gender))
    left join payment_methods
        on payment_methods.payment_key = lower(clean_text(bronze.payment_method))
),

row_checked as (
    select
        *,
        list_filter([
            case when customer_id is null then 'missing_customer_id' end,
            case when not regexp_full_match(customer_id, 'C[0-9]+') then 'invalid_customer_id' end,
            case when gender is null then 'invalid_gender' end,
            case
                when clean_text(raw_age) is not null and (age is null or age not between 0 and 120)
                    then 'invalid_age'
            end,
            case when payment_method is null then 'invalid_payment_method' end,
        ], rule -> rule is not null) as row_rules,
    from normalised
),

final as (
    select
        * exclude (raw_age),
        {gender: gender, age: age, payment_method: payment_method} as content,
    from row_checked
)

select * from final
