-- Makes: changes, what must happen to the stored table so that it holds
-- exactly {{ desired }}: rows to insert (new key), to update (key stored with
-- other values) and keys to delete (stored, no longer wanted), in column
-- `_change`. Unchanged rows are absent, so a re-run makes no changes.
-- From: {{ desired }} (computed this run), {{ stored }} (the table as read
-- back). Parameters: jinja `desired`, `stored`, `columns`, `keys`.
create or replace temp table changes as
with
desired as (
    select {% for c in columns %}{{ c | ident }}{{ ", " if not loop.last }}{% endfor %}
    from {{ desired | ident }}
),

stored as (
    select {% for c in columns %}{{ c | ident }}{{ ", " if not loop.last }}{% endfor %}
    from {{ stored | ident }}
),

stored_keys as (
    select distinct {% for k in keys %}{{ k | ident }}{{ ", " if not loop.last }}{% endfor %}
    from stored
),

new_or_changed as (
    select * from desired
    except
    select * from stored
),

upserts as (
    select
        new_or_changed.*,
        case when stored_keys.{{ keys[0] | ident }} is null then 'insert' else 'update' end as _change,
    from new_or_changed
    left join stored_keys using ({% for k in keys %}{{ k | ident }}{{ ", " if not loop.last }}{% endfor %})
),

deletes as (
    select
        *,
        'delete' as _change,
    from (
        select {% for k in keys %}{{ k | ident }}{{ ", " if not loop.last }}{% endfor %} from stored_keys
        except
        select {% for k in keys %}{{ k | ident }}{{ ", " if not loop.last }}{% endfor %} from desired
    )
),

final as (
    select * from upserts
    union all by name
    select * from deletes
)

select * from final
