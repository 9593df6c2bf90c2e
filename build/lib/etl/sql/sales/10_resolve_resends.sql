-- Makes: {{ source }}_checked, every row of {{ source }}_row_checked once with
-- failed_rules (empty = it goes to silver): its row rules if it broke any;
-- otherwise, when the same {{ key }} came more than once, the values received
-- last (ingested_at, source_file, source_row) win, the first row that carried
-- them is kept (so an identical re-send changes nothing), and the others are
--   duplicate_<entity>     same values as the kept row
--   superseded_<entity>    different values: a later row corrected them
-- A row that broke a row rule never takes part, so a bad re-send cannot
-- replace a good row.
-- From: {{ source }}_row_checked. Parameters: $entity (invoice or customer);
-- jinja `source`, `key`.
create or replace temp table {{ (source ~ "_checked") | ident }} as
with
row_checked as (
    select * from {{ (source ~ "_row_checked") | ident }}
),

passing as (
    select *
    from row_checked
    where len(row_rules) = 0
),

ranked as (
    select
        *,
        last_value(content) over whole_history as surviving_content,
    from passing
    window whole_history as (
        partition by {{ key | ident }}
        order by ingested_at, source_file, source_row
        rows between unbounded preceding and unbounded following
    )
),

resolved as (
    select
        record_id,
        case
            when content is distinct from surviving_content then ['superseded_' || $entity]
            when row_number() over (
                partition by {{ key | ident }}, content is not distinct from surviving_content
                order by ingested_at, source_file, source_row
            ) > 1 then ['duplicate_' || $entity]
            else []
        end as set_rules,
    from ranked
),

final as (
    select
        row_checked.* exclude (row_rules, content),
        coalesce(resolved.set_rules, row_checked.row_rules) as failed_rules,
    from row_checked
    left join resolved using (record_id)
)

select * from final
