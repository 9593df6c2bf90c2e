{#-
    Makes: the points to draw, one row per series and reading in time order,
    with breaks_line set where the line must stop before this point.
    From: temp table points (series, t epoch seconds, value).
    Parameters: $min_gap_seconds (a pause of at most this long is never a gap).
    A gap is a pause longer than three times the series' usual spacing (its
    median) and longer than $min_gap_seconds: signals are read every 7-9 s,
    temperatures every 2 min, cells every 10 min, so one fixed threshold
    would either join bursts across hours or break every cell reading apart.
-#}
with ordered as (
    select
        series,
        t,
        value,
        t - lag(t) over (partition by series order by t) as pause
    from points
    where value is not null and isfinite(value)
),

spacing as (
    select
        series,
        median(pause) as usual
    from ordered
    group by series
),

final as (
    select
        o.series,
        o.t,
        o.value,
        coalesce(o.pause > greatest(3 * s.usual, $min_gap_seconds), false) as breaks_line
    from ordered as o
    inner join spacing as s on o.series = s.series
)

select * from final
order by series, t
