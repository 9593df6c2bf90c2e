{#-
    Makes: temp table coverage, how completely each signal family of each
    series reported, cell by cell (a cell is 15 minutes on the 5 s grid):
    one row per date, dataset, family, phase and module, with members (the
    family's signals in that series), normal_buckets (the family's normal
    cadence that day: the median buckets with a reading of its non-empty
    cells, over every series and member), cell_buckets and cell_seconds,
    cells (a list of {cell, share, rejected} in time order: cell 0 starts
    at 00:00 UTC; share is the mean over the members of min(1, buckets /
    normal_buckets), so 1 = every member at its normal cadence; only cells
    with a reading or a rejected reading are listed, any other cell is
    silent) and reported (the sum of the shares: cells' worth of normal
    reporting that day).
    A family is a signal's name up to its first `__`: the 14
    cell_voltage__battery_1__cell_N columns are one family, cell_voltage.
    From: the quality files _quality/date=D/signals.parquet (every signal
    of every series, silent ones too) and cells.parquet. Readings rejected
    for their tags (no dataset) are left out: they have no series.
    Parameters: $signals, $cells (the days' quality files).
-#}
create or replace temp table coverage as
with signals as (
    select
        date,
        dataset,
        phase,
        module,
        split_part(signal, '__', 1) as family,
        bucket_seconds
    from read_parquet($signals, hive_partitioning = true, hive_types_autocast = false)
    where dataset is not null
),

members as (
    select
        date,
        dataset,
        family,
        phase,
        module,
        count(*) as members
    from signals
    group by all
),

quality_cells as (
    select *
    from read_parquet($cells, hive_partitioning = true, hive_types_autocast = false)
    where dataset is not null
),

steps as (
    select
        date,
        any_value(bucket_seconds) as bucket_seconds
    from signals
    group by date
),

cell_lengths as (
    select
        date,
        any_value(cell_buckets) as cell_buckets
    from quality_cells
    group by date
),

days as (
    -- each day's grid step and cell length
    select
        s.date,
        s.bucket_seconds,
        c.cell_buckets,
        s.bucket_seconds * c.cell_buckets as cell_seconds
    from steps as s
    inner join cell_lengths as c on s.date = c.date
),

cells as (
    select
        c.date,
        c.dataset,
        c.phase,
        c.module,
        split_part(c.signal, '__', 1) as family,
        ((epoch(c.cell_start) - epoch(c.date::date::timestamptz)) // d.cell_seconds)::integer as cell,
        c.buckets,
        c.rejected
    from quality_cells as c
    inner join days as d on c.date = d.date
),

normal as (
    select
        date,
        dataset,
        family,
        median(buckets) as normal_buckets
    from cells
    where buckets > 0
    group by all
),

shares as (
    select
        c.date,
        c.dataset,
        c.family,
        c.phase,
        c.module,
        c.cell,
        coalesce(sum(least(c.buckets / n.normal_buckets, 1)), 0) as reported,
        sum(c.rejected)::bigint as rejected
    from cells as c
    left join normal as n on c.date = n.date and c.dataset = n.dataset and c.family = n.family
    group by all
),

final as (
    select
        m.date,
        m.dataset,
        m.family,
        m.phase,
        m.module,
        m.members,
        n.normal_buckets,
        d.cell_buckets,
        d.cell_seconds,
        coalesce(
            list({'cell': s.cell, 'share': s.reported / m.members, 'rejected': s.rejected} order by s.cell)
                filter (where s.cell is not null),
            []
        ) as cells,
        coalesce(sum(s.reported), 0) / m.members as reported
    from members as m
    inner join days as d on m.date = d.date
    left join normal as n on m.date = n.date and m.dataset = n.dataset and m.family = n.family
    left join shares as s
        on m.date = s.date
        and m.dataset = s.dataset
        and m.family = s.family
        and m.phase is not distinct from s.phase
        and m.module is not distinct from s.module
    group by m.date, m.dataset, m.family, m.phase, m.module, m.members, n.normal_buckets, d.cell_buckets, d.cell_seconds
)

select * from final
