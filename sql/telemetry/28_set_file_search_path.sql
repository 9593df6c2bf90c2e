{#-
    Makes: nothing; points relative paths at the output folder's parent, so
    the views of 29_create_view.sql bind while keeping their relative paths.
    Parameters: jinja: folder (SET cannot take a bound parameter).
-#}
set file_search_path = {{ folder | literal }}
