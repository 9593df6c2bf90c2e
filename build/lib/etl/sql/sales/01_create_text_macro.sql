-- Makes: the temporary macro clean_text(x), the one text normalisation every
-- silver rule uses: trim, collapse runs of whitespace to one space, and turn
-- an empty result into null (a blank field is a missing field).
-- From: nothing. Parameters: none.
create or replace temp macro clean_text(x) as
    nullif(regexp_replace(trim(x), '\s+', ' ', 'g'), '')
