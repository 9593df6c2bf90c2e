-- Makes: this Parquet file's customers appended to incoming_customers, every
-- value cast to text (lossless) so bronze has one shape whatever types the
-- exporter chose; source_row is the 1-based row in file order.
-- From: the Parquet file at $path. Parameters: $path, $source_file (its name
-- relative to --input).
insert into incoming_customers
with
raw as (
    select
        file_row_number + 1 as source_row,
        customer_id::varchar as customer_id,
        gender::varchar as gender,
        age::varchar as age,
        payment_method::varchar as payment_method,
    from read_parquet($path, file_row_number = true)
),

final as (
    select
        $source_file || '#' || source_row as record_id,
        $source_file as source_file,
        *,
    from raw
)

select * from final
