{#-
    Makes: the threads DuckDB runs on (--threads, or all cores) and its
    memory limit (--memory-limit, or DuckDB's default), which the day
    workers share out between them.
    From: the connection's settings.
    Parameters: none.
-#}
select
    current_setting('threads')::integer as threads,
    current_setting('memory_limit') as memory_limit
