-- Makes: the rows this run read from each input file, for the run summary.
-- From: incoming_sales (04), incoming_customers (05). Parameters: none.
with files as (
    select
        'sales' as source_table,
        source_file,
        count(*) as row_count,
    from incoming_sales
    group by source_file
    union all
    select
        'customers',
        source_file,
        count(*),
    from incoming_customers
    group by source_file
)

select * from files
order by source_table desc, source_file
