{#-
    Makes: temp table day_placed, every distinct reading of the day with its
    dataset, series (phase, module), signal name and parsed value, or the
    problem that keeps it out of the outputs.
    From: day_readings joined to day_tags.
    Parameters: $text_signals (payload types whose values are text, e.g.
    system_state; every other payload type is numeric).
    Problems: 'non-numeric value' marks a broken file (the run stops, or the
    file is quarantined); every other problem rejects just that reading.
-#}
create or replace temp table day_placed as
with joined as (
    select
        r.timestamp,
        r.payload_type,
        r.value,
        r.tag_hash,
        r.copies,
        t.dataset,
        t.phase,
        t.module,
        t.reject_reason,
        r.payload_type || coalesce(t.suffix, '') as signal,
        list_contains($text_signals, r.payload_type) as is_text,
        try_cast(r.value as double) as parsed
    from day_readings as r
    inner join day_tags as t on r.tag_hash = t.tag_hash
),

final as (
    select
        timestamp,
        payload_type,
        value,
        tag_hash,
        copies,
        dataset,
        phase,
        module,
        signal,
        is_text,
        case when not is_text and isfinite(parsed) then parsed end as num,
        case
            when reject_reason is not null then reject_reason
            when coalesce(trim(payload_type), '') = '' then 'missing payload_type'
            when coalesce(trim(value), '') = '' then 'empty value'
            when not is_text and (parsed is null or not isfinite(parsed)) then 'non-numeric value'
        end as problem
    from joined
)

select * from final
