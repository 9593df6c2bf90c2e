{#-
    Makes: nothing; sets how many threads this database runs a query on, as
    a day worker's share changes while other days start and finish.
    Parameters: jinja: threads (SET cannot take a bound parameter).
-#}
set threads = {{ threads | literal }}
