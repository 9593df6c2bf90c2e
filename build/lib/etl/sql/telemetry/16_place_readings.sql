{#-
    Makes: temp table day_placed, every distinct reading of the day with its
    signal_key, dataset, series and signal_id (see day_signals), its parsed
    number, and the problem that keeps it out of the outputs, if any. The
    reading's text is kept only where it is needed: text signals and
    rejected readings.
    From: day_readings joined to day_signals; or, in one pass, the day's
    input files deduplicated here (the select of 11_dedupe_day.sql), which
    saves writing and reading day_readings when every signal is known.
    Parameters: jinja: one_pass (bool); with one_pass, $files, $day_start
    and $day_end as for 11_dedupe_day.sql.
    Problems: 'non-numeric value' marks a broken file (the run stops, or the
    file is quarantined); 'unknown signal' marks a reading whose signal
    day_signals does not know yet, so the day must be placed the long way
    (dedupe, learn, place); every other problem rejects just that reading.
-#}
{%- from "telemetry/_readings.sql" import distinct_readings %}
create or replace temp table day_placed as
with readings as (
    {%- if one_pass %}
    {{ distinct_readings() | indent(4) }}
    {%- else %}
    select * from day_readings
    {%- endif %}
),

joined as (
    select
        r.timestamp,
        s.signal_key,
        s.dataset,
        s.series,
        s.signal_id,
        s.is_text,
        s.problem as signal_problem,
        r.value,
        r.copies,
        try_cast(r.value as double) as parsed
    from readings as r
    left join day_signals as s
        on r.sig_hash = s.sig_hash
),

checked as (
    select
        *,
        case
            when signal_key is null then 'unknown signal'
            when signal_problem is not null then signal_problem
            -- a value that parses is not empty: trim only the rest
            when parsed is null and coalesce(trim(value), '') = '' then 'empty value'
            when not is_text and (parsed is null or not isfinite(parsed)) then 'non-numeric value'
        end as problem
    from joined
),

final as (
    select
        timestamp,
        signal_key,
        dataset,
        series,
        signal_id,
        case when not is_text and isfinite(parsed) then parsed end as num,
        case when is_text or problem is not null then value end as value,
        copies,
        problem
    from checked
)

select * from final
