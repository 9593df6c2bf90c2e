{#-
    Makes: the parquet schema elements of every file, so files with the same
    schema are checked once (one DESCRIBE per distinct schema).
    From: the footers of $files.
    Parameters: $files.
-#}
select
    file_name,
    name,
    type,
    converted_type,
    logical_type,
    repetition_type,
    num_children
from parquet_schema($files)
