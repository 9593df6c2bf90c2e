{#-
    Makes: temp table day_signals, one row per (payload type, tag set)
    known, keyed by signal_key and by sig_hash: its tag_hash, dataset,
    phase and module, its series
    (a number per phase + module within the dataset), its signal name and
    signal_id (a number per name within the dataset), whether it is text,
    and the problem that rejects all its readings, if any.
    From: known_signals and day_tags. Every signal known, not only the
    day's: the numbers are the run's internal keys, and the day's columns are
    the signals its readings use (19_list_signals.sql).
    Parameters: $text_signals (payload types whose values are text, e.g.
    system_state; every other payload type is numeric).
    Readings then carry these small integers rather than names, so the grid
    step pivots and joins on integers. The dataset is an ENUM of the three
    names 14_route_tags.sql routes to: stored and compared as a small
    integer, it halves the cost of picking one dataset's readings.
-#}
create or replace temp table day_signals as
with pairs as (
    select
        k.sig_hash,
        k.tag_hash,
        k.payload_type
    from known_signals as k
),

named as (
    select
        p.sig_hash,
        p.tag_hash,
        p.payload_type,
        t.dataset::enum('modules', 'phases', 'system') as dataset,
        t.phase,
        t.module,
        p.payload_type || coalesce(t.suffix, '') as signal,
        list_contains($text_signals, p.payload_type) as is_text,
        case
            when t.reject_reason is not null then t.reject_reason
            when coalesce(trim(p.payload_type), '') = '' then 'missing payload_type'
        end as problem
    from pairs as p
    inner join day_tags as t on p.tag_hash = t.tag_hash
),

final as (
    select
        (row_number() over (order by sig_hash))::integer as signal_key,
        sig_hash,
        tag_hash,
        payload_type,
        dataset,
        phase,
        module,
        (dense_rank() over (partition by dataset order by phase, module))::integer as series,
        signal,
        (dense_rank() over (partition by dataset order by signal))::integer as signal_id,
        is_text,
        problem
    from named
)

select * from final
