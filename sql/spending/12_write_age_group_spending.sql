-- Makes: the CSV file at $path, age_group_spending.csv's content.
-- From: age_group_spending (09_summarise_age_groups.sql), less its internal columns.
-- Parameters: $path (where to write; the pipeline writes a temp file and renames it).
-- Order: age order (group_order), the two groups without an age rule last.
copy (
    select * exclude (group_order, holds)
    from age_group_spending
    order by group_order
) to $path (format csv, header true, delimiter ',')
