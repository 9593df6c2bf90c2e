-- Makes: bronze_{{ source }}, the bronze table as it must be after this batch.
-- Bronze is keyed by record_id (`<source file>#<row>`): a file is a source
-- identity. A row already stored with the same values keeps its first
-- ingested_at and batch_id, so re-sending a file changes nothing; a changed
-- row takes this batch's; rows of a re-sent file that no longer exist are
-- dropped; rows of files not in this batch are kept as they are.
-- From: stored_bronze_{{ source }} (the table as stored), incoming_{{ source }}.
-- Parameters: $ingested_at, $batch_id; jinja `source`, `columns` (the raw
-- value columns to compare).
create or replace temp table {{ ("bronze_" ~ source) | ident }} as
with
stored as (
    select * from {{ ("stored_bronze_" ~ source) | ident }}
),

incoming as (
    select * from {{ ("incoming_" ~ source) | ident }}
),

kept_from_other_files as (
    select *
    from stored
    where source_file not in (select distinct incoming.source_file from incoming)
),

from_this_batch as (
    select
        incoming.*,
        coalesce(same.ingested_at, $ingested_at::timestamptz) as ingested_at,
        coalesce(same.batch_id, $batch_id) as batch_id,
    from incoming
    left join stored as same
        on same.record_id = incoming.record_id
        {%- for column in columns %}
        and same.{{ column | ident }} is not distinct from incoming.{{ column | ident }}
        {%- endfor %}
),

final as (
    select * from kept_from_other_files
    union all by name
    select * from from_this_batch
)

select * from final
