{#-
    Makes: the row count of each file written for a day, from the footers.
    From: the written files $files.
    Parameters: $files.
-#}
select
    file_name,
    num_rows
from parquet_file_metadata($files)
