{#-
    Makes: temp table day_cells, the day's data quality per signal, series
    and cell (a stretch of the day of cell_buckets buckets, 15 minutes on
    the 5 s grid): dataset, phase, module, signal (the day file's column),
    cell_start, cell_buckets, buckets (with a reading), coverage (buckets /
    cell_buckets), readings (distinct readings placed), first_reading and
    last_reading, the longest run of empty buckets between two non-empty
    ones inside the cell (gap_buckets, gap_start), and the rejected
    readings (rejected, rejected_by_reason). Only cells with a reading or a
    rejected reading have a row. 26_write_quality.sql sums the cells up per
    day; the coverage map draws them.
    Readings rejected for their tags or payload type have no series: their
    row has no dataset, phase or module, and the payload type as signal.
    From: day_placed and day_signals; in a patch, also the day's published
    cells file.
    Parameters: $day_start, $step (seconds); jinja: cell_buckets, names
    (list of {dataset, id, name}: each signal_id's column name, as the
    pipeline's column_name() gives it), patch (bool: day_placed holds the
    readings from the window on; the cells from bucket $quality_from on
    are measured again and the earlier ones come from $published, the
    day's published cells file).
-#}
create or replace temp table day_cells as
with names(dataset, signal_id, name) as (
    {%- for n in names %}
    {{ "select" if loop.first else "union all select" }} {{ n.dataset | literal }}::enum('modules', 'phases', 'system'), {{ n.id }}, {{ n.name | literal }}
    {%- else %}
    select null::varchar, null::integer, null::varchar where false
    {%- endfor %}
),

series_keys as (
    select distinct
        dataset,
        series,
        phase,
        module
    from day_signals
    where problem is null
),

placed as (
    select
        p.*,
        ((p.timestamp - $day_start) // $step)::integer as slot
    from day_placed as p
    where p.problem is distinct from 'non-numeric value'
    {%- if patch %}
        and p.timestamp >= $day_start + $quality_from * $step
    {%- endif %}
),

cell_slots as (
    -- one row per signal, series and cell: the buckets of its readings, in
    -- order, a bucket as often as it has readings (one group-by, not one
    -- per bucket and one per cell)
    select
        dataset,
        series,
        signal_id,
        slot // {{ cell_buckets }} as cell,
        count(*)::bigint as readings,
        min(timestamp) as first_reading,
        max(timestamp) as last_reading,
        list(slot order by slot) as slots
    from placed
    where problem is null
    group by all
),

cell_gaps as (
    -- the empty buckets between each two neighbours in the cell, -1 between
    -- two readings of one bucket (a list per cell costs a third less than a
    -- window partitioned by cell)
    select
        *,
        list_transform(range(1, len(slots)::bigint), i -> slots[i + 1] - slots[i] - 1) as gaps
    from cell_slots
),

good as (
    -- the longest run, and where it starts: the earliest when two are as long
    select
        dataset,
        series,
        signal_id,
        null::varchar as unrouted,
        cell,
        (1 + len(list_filter(gaps, g -> g >= 0)))::bigint as buckets,
        readings,
        first_reading,
        last_reading,
        greatest(coalesce(list_max(gaps), 0), 0)::bigint as gap_buckets,
        case when list_max(gaps) > 0 then slots[list_position(gaps, list_max(gaps))] + 1 end as gap_start_slot,
        0::bigint as rejected,
        null::map(varchar, bigint) as rejected_by_reason
    from cell_gaps
),

rejected_readings as (
    select
        case when s.problem is null then p.dataset end as dataset,
        case when s.problem is null then p.series end as series,
        case when s.problem is null then p.signal_id end as signal_id,
        case when s.problem is not null then s.payload_type end as unrouted,
        p.slot // {{ cell_buckets }} as cell,
        p.problem as reason,
        count(*)::bigint as n
    from placed as p
    inner join day_signals as s on p.signal_key = s.signal_key
    where p.problem is not null
    group by all
),

rejected as (
    select
        dataset,
        series,
        signal_id,
        unrouted,
        cell,
        0::bigint as buckets,
        0::bigint as readings,
        null::bigint as first_reading,
        null::bigint as last_reading,
        0::bigint as gap_buckets,
        null::integer as gap_start_slot,
        sum(n)::bigint as rejected,
        map(list(reason order by reason), list(n order by reason)) as rejected_by_reason
    from rejected_readings
    group by all
),

cells as (
    select
        dataset,
        series,
        signal_id,
        unrouted,
        cell,
        sum(buckets)::bigint as buckets,
        sum(readings)::bigint as readings,
        min(first_reading) as first_reading,
        max(last_reading) as last_reading,
        max(gap_buckets)::bigint as gap_buckets,
        max(gap_start_slot) as gap_start_slot,
        sum(rejected)::bigint as rejected,
        coalesce(max(rejected_by_reason), map()::map(varchar, bigint)) as rejected_by_reason
    from (select * from good union all by name select * from rejected)
    group by dataset, series, signal_id, unrouted, cell
),

final as (
    select
        c.dataset::varchar as dataset,
        k.phase,
        k.module,
        coalesce(n.name, c.unrouted) as signal,
        to_timestamp($day_start + c.cell * {{ cell_buckets }} * $step) as cell_start,
        {{ cell_buckets }}::integer as cell_buckets,
        c.buckets,
        c.buckets / {{ cell_buckets }} as coverage,
        c.readings,
        to_timestamp(c.first_reading) as first_reading,
        to_timestamp(c.last_reading) as last_reading,
        c.gap_buckets,
        to_timestamp($day_start + c.gap_start_slot * $step) as gap_start,
        c.rejected,
        c.rejected_by_reason
    from cells as c
    left join series_keys as k on c.dataset = k.dataset and c.series = k.series
    left join names as n on c.dataset = n.dataset and c.signal_id = n.signal_id
    {%- if patch %}
    union all by name
    select *
    from read_parquet($published, hive_partitioning = false)
    where cell_start < to_timestamp($day_start + $quality_from * $step)
    {%- endif %}
)

select * from final
order by dataset, phase, module, signal, cell_start
