{#-
    Makes: the signals (output columns) of each dataset on this day: the
    signal_id the readings carry, the name, and whether it is text. Python
    orders them naturally (cell 2 before cell 10) and renders them into the
    writing step.
    From: day_signals, for the signals with at least one reading without
    problems in day_placed.
    Parameters: none.
-#}
with used as (
    select distinct signal_key
    from day_placed
    where problem is null
),

final as (
    select
        s.dataset,
        s.signal_id,
        s.signal,
        bool_or(s.is_text) as is_text
    from day_signals as s
    inner join used as u on s.signal_key = u.signal_key
    group by s.dataset, s.signal_id, s.signal
)

select * from final
order by dataset, signal_id
