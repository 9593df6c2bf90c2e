{#-
    Makes: the grid step of one day file, in seconds (5 unless the run had
    --every): a day file holds one row per bucket of its UTC day, so the
    step is 86,400 s over the rows its footer counts. No data is read.
    From: a day file of the hive layout (modules, phases or system).
    Parameters: $path.
-#}
select 86400 // nullif(num_rows, 0) as step
from parquet_file_metadata($path)
