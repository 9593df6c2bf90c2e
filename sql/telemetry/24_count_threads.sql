{#-
    Makes: the number of threads DuckDB runs queries on (--threads, or all
    cores), for writing that many grid files at once.
    From: the connection's settings.
    Parameters: none.
-#}
select current_setting('threads')::integer as threads
