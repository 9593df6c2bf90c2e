-- Makes: sales_row_checked, every bronze sales row once, normalised and typed,
-- with row_rules: the quality rules it breaks, in this order. Text is
-- normalised by clean_text (trim, one space) and matched to reference
-- spellings without regard to case; ids are upper-cased.
-- Row rules:
--   missing_invoice_no     invoice_no blank or absent
--   invalid_invoice_no     invoice_no not `I` followed by digits
--   missing_customer_id    customer_id blank or absent
--   invalid_customer_id    customer_id not `C` followed by digits
--   unknown_category       category not in the price list below
--   unknown_shopping_mall  shopping_mall not one of the known malls below
--   invalid_quantity       quantity absent or not a whole number
--   non_positive_quantity  quantity 0 or less
--   invalid_price          price absent or not a number with at most 2 decimals
--   non_positive_price     price 0 or less
--   line_total_mismatch    price (the line total) is not quantity x the
--                          category's list unit price
--   invalid_invoice_date   invoice_date absent, not dd-MM-yyyy (two-digit day
--                          and month, four-digit year), or not a real date
--   unknown_customer       no valid customer has this customer_id
-- content holds the values that make two rows of one invoice_no the same;
-- 10_resolve_resends.sql then settles re-sent invoices.
-- From: bronze_sales, customers_row_checked. Parameters: none.
create or replace temp table sales_row_checked as
with
bronze as (
    select * from bronze_sales
),

price_list (category_key, category, unit_price) as (
    values
        ('books', 'Books', 15.15::decimal(12, 2)),
        ('clothing', 'Clothing', 300.08),
        ('cosmetics', 'Cosmetics', 40.66),
        ('food & beverage', 'Food & Beverage', 5.23),
        ('shoes', 'Shoes', 600.17),
        ('souvenir', 'Souvenir', 11.73),
        ('technology', 'Technology', 1050.00),
        ('toys', 'Toys', 35.84)
),

malls (mall_key, shopping_mall) as (
    values
        ('cevahir avm', 'Cevahir AVM'),
        ('emaar square mall', 'Emaar Square Mall'),
        ('forum istanbul', 'Forum Istanbul'),
        ('istinye park', 'Istinye Park'),
        ('kanyon', 'Kanyon'),
        ('mall of istanbul', 'Mall of Istanbul'),
        ('metrocity', 'Metrocity'),
        ('metropol avm', 'Metropol AVM'),
        ('viaport outlet', 'Viaport Outlet'),
        ('zorlu center', 'Zorlu Center')
),

valid_customers as (
    select distinct customer_id
    from customers_row_checked
    where len(row_rules) = 0
),

normalised as (
    select
        bronze.record_id,
        bronze.source_file,
        bronze.source_row,
        bronze.ingested_at,
        bronze.batch_id,
        clean_text(bronze.invoice_date) as raw_invoice_date,
        upper(clean_text(bronze.invoice_no)) as invoice_no,
        upper(clean_text(bronze.customer_id)) as customer_id,
        price_list.category,
        malls.shopping_mall,
        case
            when regexp_full_match(clean_text(bronze.quantity), '-?[0-9]+')
                then try_cast(clean_text(bronze.quantity) as integer)
        end as quantity,
        price_list.unit_price,
        case
            when regexp_full_match(clean_text(bronze.price), '-?[0-9]+(\.[0-9]{1,2})?')
                then try_cast(clean_text(bronze.price) as decimal(12, 2))
        end as line_total,
        try_strptime(clean_text(bronze.invoice_date), '%d-%m-%Y')::date as invoice_date,
        to_json({
            invoice_no: bronze.invoice_no,
            customer_id: bronze.customer_id,
            category: bronze.category,
            quantity: bronze.quantity,
            price: bronze.price,
            invoice_date: bronze.invoice_date,
            shopping_mall: bronze.shopping_mall,
        })::varchar as raw_values,
    from bronze
    left join price_list
        on price_list.category_key = lower(clean_text(bronze.category))
    left join malls
        on malls.mall_key = lower(clean_text(bronze.shopping_mall))
),

row_checked as (
    select
        normalised.*,
        list_filter([
            case when invoice_no is null then 'missing_invoice_no' end,
            case when not regexp_full_match(invoice_no, 'I[0-9]+') then 'invalid_invoice_no' end,
            case when customer_id is null then 'missing_customer_id' end,
            case when not regexp_full_match(customer_id, 'C[0-9]+') then 'invalid_customer_id' end,
            case when category is null then 'unknown_category' end,
            case when shopping_mall is null then 'unknown_shopping_mall' end,
            case when quantity is null then 'invalid_quantity' end,
            case when quantity <= 0 then 'non_positive_quantity' end,
            case when line_total is null then 'invalid_price' end,
            case when line_total <= 0 then 'non_positive_price' end,
            case
                when quantity > 0 and line_total > 0 and line_total <> quantity * unit_price
                    then 'line_total_mismatch'
            end,
            case
                when invoice_date is null or not regexp_full_match(raw_invoice_date, '[0-9]{2}-[0-9]{2}-[0-9]{4}')
                    then 'invalid_invoice_date'
            end,
            case
                when regexp_full_match(customer_id, 'C[0-9]+')
                    and customer_id not in (select valid_customers.customer_id from valid_customers)
                    then 'unknown_customer'
            end,
        ], rule -> rule is not null) as row_rules,
    from normalised
),

final as (
    select
        * exclude (raw_invoice_date),
        {
            customer_id: customer_id,
            category: category,
            shopping_mall: shopping_mall,
            quantity: quantity,
            line_total: line_total,
            invoice_date: invoice_date,
        } as content,
    from row_checked
)

select * from final
