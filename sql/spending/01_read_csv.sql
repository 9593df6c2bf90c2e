-- Makes: a raw table (named by jinja `table`) holding every column of one input CSV as text, in file order.
-- From: the CSV file at $path (comma-separated, header line, UTF-8).
-- Parameters: $path (the file), $columns (the header's names, each mapped to 'VARCHAR');
--   jinja `table` (raw_customers or raw_purchases).
-- Everything is read as text so that the checks that follow can name a bad
-- value exactly as the file spells it; the table's rowid + 1 is the data row
-- number (header excluded) that error messages report. The dialect is fixed
-- and nothing is sniffed (auto_detect = false, the columns given): left to
-- guess, the sniffer may skip leading rows to fit a malformed one, which
-- would drop data without a word, or fail with "no dialect found" instead
-- of naming the row; fixed, a malformed row is an error naming its line.
create or replace table {{ table | ident }} as
select *
from read_csv(
    $path,
    auto_detect = false,
    columns = $columns,
    header = true,
    skip = 0,
    delim = ',',
    quote = '"',
    escape = '"'
)
