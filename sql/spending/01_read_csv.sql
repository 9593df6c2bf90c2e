-- Makes: a raw table (named by jinja `table`) holding every column of one input CSV as text, in file order.
-- From: the CSV file at $path (comma-separated, header line, UTF-8).
-- Parameters: $path (the file); jinja `table` (raw_customers or raw_purchases).
-- Everything is read as text so that the checks that follow can name a bad
-- value exactly as the file spells it; the table's rowid + 1 is the data row
-- number (header excluded) that error messages report.
create or replace table {{ table | ident }} as
select *
from read_csv(
    $path,
    header = true,
    delim = ',',
    quote = '"',
    all_varchar = true
)
