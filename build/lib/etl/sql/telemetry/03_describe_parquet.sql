{#-
    Makes: the DuckDB column names and types of one parquet file.
    From: the file $path.
    Parameters: $path.
-#}
select
    column_name,
    column_type
from (describe select * from read_parquet($path, hive_partitioning = false))
