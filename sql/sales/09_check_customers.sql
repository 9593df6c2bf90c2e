-- Makes: customers_checked, every bronze customer row once, normalised and
-- typed, with failed_rules: the quality rules it breaks, in the order below
-- (empty = it goes to silver). Row rules:
--   missing_customer_id    customer_id blank or absent
--   invalid_customer_id    customer_id not `C` followed by digits
--   invalid_gender         gender not male/female (any case, any spacing)
--   invalid_age            age given but not a whole number from 0 to 120
--                          (a missing age is allowed: age band `unknown`)
--   invalid_payment_method payment_method not cash, credit card, debit card
-- Then, among rows that pass, the values received last (ingested_at,
-- source_file, source_row) win for each customer_id, and the first row that
-- carried them is kept (an identical re-send changes nothing). Other rows:
--   duplicate_customer     same values as the kept row
--   superseded_customer    different values: a later row corrected them
-- From: bronze_customers. Parameters: none.
create or replace temp table customers_checked as
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
        bronze.customer_id as raw_customer_id,
        bronze.age as raw_age,
        upper(clean_text(bronze.customer_id)) as customer_id,
        genders.gender,
        try_cast(clean_text(bronze.age) as integer) as age,
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

passing as (
    select
        *,
        {gender: gender, age: age, payment_method: payment_method} as content,
    from row_checked
    where len(row_rules) = 0
),

ranked as (
    select
        *,
        last_value(content) over whole_history as surviving_content,
    from passing
    window whole_history as (
        partition by customer_id
        order by ingested_at, source_file, source_row
        rows between unbounded preceding and unbounded following
    )
),

resolved as (
    select
        record_id,
        case
            when content is distinct from surviving_content then ['superseded_customer']
            when row_number() over (
                partition by customer_id, content is not distinct from surviving_content
                order by ingested_at, source_file, source_row
            ) > 1 then ['duplicate_customer']
            else []
        end as set_rules,
    from ranked
),

final as (
    select
        row_checked.* exclude (row_rules, raw_customer_id, raw_age),
        coalesce(resolved.set_rules, row_checked.row_rules) as failed_rules,
    from row_checked
    left join resolved using (record_id)
)

select * from final
