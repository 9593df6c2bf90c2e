{#-
    Makes: the total row count of the files written for a day.
    From: the footers of $files.
    Parameters: $files.
-#}
select coalesce(sum(num_rows), 0) as row_count
from parquet_file_metadata($files)
