-- Makes: the column names of one sales CSV as its header row gives them, so
-- the pipeline can refuse a file whose header is not the expected one before
-- reading a single row.
-- From: the CSV at $path. Parameters: $path.
select column_name
from (
    describe
    select *
    from read_csv(
        $path,
        header = true,
        delim = ',',
        quote = '"',
        escape = '"',
        all_varchar = true
    )
)
