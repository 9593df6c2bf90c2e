{#-
    Makes: the signals (output columns) of each dataset on this day: the
    signal_id the readings carry, the name, whether it is text, how many
    readings it has, and how many series the dataset has (pivot_groups()
    weighs pivoting frequent and sparse signals apart against one more join
    onto the grid). Python orders them naturally (cell 2 before cell 10) and
    renders them into the writing step.
    From: day_signals, for the signals with at least one reading without
    problems in day_placed.
    Parameters: none.
-#}
with used as (
    select
        signal_key,
        count(*) as readings
    from day_placed
    where problem is null
    group by signal_key
),

used_signals as (
    select
        s.*,
        u.readings
    from day_signals as s
    inner join used as u on s.signal_key = u.signal_key
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
        count(distinct series) as series
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
