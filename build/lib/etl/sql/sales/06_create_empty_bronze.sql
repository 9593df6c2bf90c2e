-- Makes: stored_bronze_{{ source }}, an empty stand-in for the bronze table
-- when it has never been written (the first run), shaped like the staging
-- table plus the ingestion columns.
-- From: incoming_{{ source }}. Parameters: jinja `source` (sales or customers).
create or replace temp table {{ ("stored_bronze_" ~ source) | ident }} as
select
    *,
    null::timestamptz as ingested_at,
    null::varchar as batch_id,
from {{ ("incoming_" ~ source) | ident }}
where false
