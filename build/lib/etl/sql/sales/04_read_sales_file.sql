-- Makes: this file's rows appended to incoming_sales, every value as text;
-- source_row is the 1-based data row (the header is not counted), in file
-- order. The dialect is fixed (no sniffing: a damaged line must not change
-- how the rest is read) and strict_mode turns a ragged or badly quoted line
-- into an error that names the line. The header was checked before.
-- From: the CSV at $path. Parameters: $path, $source_file (its name relative
-- to --input).
insert into incoming_sales
with
raw as (
    select *
    from read_csv(
        $path,
        auto_detect = false,
        header = true,
        columns = {
            invoice_no: 'varchar',
            customer_id: 'varchar',
            category: 'varchar',
            quantity: 'varchar',
            price: 'varchar',
            invoice_date: 'varchar',
            shopping_mall: 'varchar',
        },
        delim = ',',
        quote = '"',
        escape = '"',
        strict_mode = true,
        null_padding = false
    )
),

numbered as (
    select
        row_number() over () as source_row,
        *,
    from raw
),

final as (
    select
        $source_file || '#' || source_row as record_id,
        $source_file as source_file,
        source_row,
        invoice_no,
        customer_id,
        category,
        quantity,
        price,
        invoice_date,
        shopping_mall,
    from numbered
)

select * from final
