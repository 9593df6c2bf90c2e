-- Makes: a raw table (named by jinja `table`) holding every column of one input CSV as text, in file order.
-- From: the CSV file at $path (comma-separated, header line, UTF-8).
-- Parameters: $path (the file); jinja `table` (raw_customers or raw_purchases).
-- Everything is read as text so that the checks that follow can name a bad
-- value exactly as the file spells it; the table's rowid + 1 is the data row
-- number (header excluded) that error messages report. The dialect is fixed
-- (skip = 0 included): left to guess, the sniffer may skip leading rows to
-- fit a malformed one, which would drop data without a word; fixed, a
-- malformed row is an error.
create or replace table {{ table | ident }} as
select *
from read_csv(
    $path,
    header = true,
    skip = 0,
    delim = ',',
    quote = '"',
    escape = '"',
    all_varchar = true
)
