-- Makes: silver_quarantine, every bronze row that did not reach silver, with
-- the first rule it failed (rule), all of them (failed_rules) and its raw
-- values as JSON text, so one table serves both sources. Bronze rows = silver
-- rows + quarantined rows, for each source.
-- From: sales_checked, customers_checked. Parameters: none.
create or replace temp table silver_quarantine as
with
failed_sales as (
    select
        'sales' as source_table,
        *,
    from sales_checked
    where len(failed_rules) > 0
),

failed_customers as (
    select
        'customers' as source_table,
        *,
    from customers_checked
    where len(failed_rules) > 0
),

failed as (
    select * from failed_sales
    union all by name
    select * from failed_customers
),

final as (
    select
        record_id,
        source_table,
        source_file,
        source_row,
        failed_rules[1] as rule,
        failed_rules,
        raw_values,
        batch_id,
        ingested_at,
    from failed
)

select * from final
