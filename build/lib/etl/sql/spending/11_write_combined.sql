-- Makes: the CSV file at $path, combined_data.csv's content.
-- From: combined (08_combine.sql), its columns in its order, less the sort key group_order.
-- Parameters: $path (where to write; the pipeline writes a temp file and renames it).
-- Order: by customer_id (rows without one last), then by purchase row.
copy (
    select * exclude (group_order)
    from combined
    order by customer_id nulls last, purchase_row nulls first
) to $path (format csv, header true, delimiter ',')
