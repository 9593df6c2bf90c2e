{#-
    Makes: the signals of each dataset on this day: the signal_id the
    readings carry, the name, whether it is text, how many readings it has
    (those without problems), and how many series the dataset has
    (pivot_groups() weighs pivoting frequent and sparse signals apart
    against one more join onto the grid). The signals with readings are the
    output columns: Python orders them naturally (cell 2 before cell 10) and
    renders them into the writing step. A signal whose readings were all
    rejected for their value has 0 readings; only the quality data names it.
    From: day_signals, for the routed signals with at least one reading in
    day_placed.
    Parameters: none.
-#}
with used as (
    select
        signal_key,
        count(*) filter (where problem is null) as readings
    from day_placed
    where problem is distinct from 'non-numeric value'
    group by signal_key
),

used_signals as (
    select
        s.*,
        u.readings
    from day_signals as s
    inner join used as u on s.signal_key = u.signal_key
    where s.problem is null
),

signals as (
    select
        dataset,
        signal_id,
        signal,
        bool_or(is_text) as is_text,
        sum(readings)::bigint as readings
    from used_signals
    group by dataset, signal_id, signal
),

series as (
    select
        dataset,
        count(distinct series) filter (where readings > 0) as series
    from used_signals
    group by dataset
),

final as (
    select
        signals.*,
        series.series
    from signals
    inner join series on signals.dataset = series.dataset
)

select * from final
order by dataset, signal_id
