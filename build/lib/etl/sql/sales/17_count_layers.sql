-- Makes: for each source, the rows in bronze, in silver and in quarantine,
-- so the run can check and report bronze = silver + quarantined.
-- From: bronze_sales, bronze_customers, silver_sales, silver_customers,
-- silver_quarantine. Parameters: none.
with
bronze as (
    select 'sales' as source_table, count(*) as bronze_rows from bronze_sales
    union all
    select 'customers', count(*) from bronze_customers
),

silver as (
    select 'sales' as source_table, count(*) as silver_rows from silver_sales
    union all
    select 'customers', count(*) from silver_customers
),

quarantined as (
    select
        source_table,
        count(*) as quarantined_rows,
    from silver_quarantine
    group by source_table
),

final as (
    select
        bronze.source_table,
        bronze.bronze_rows,
        silver.silver_rows,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows,
    from bronze
    inner join silver using (source_table)
    left join quarantined using (source_table)
)

select * from final
order by source_table
