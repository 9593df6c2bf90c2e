{#-
    Makes: the day's quality file, _quality/date=D/signals.parquet: one row
    per series and signal of the day files (and per payload type of the
    readings rejected for their tags or payload type): readings placed,
    buckets with a reading, coverage (their share of the day's buckets),
    the longest run of empty buckets and the start of its first bucket
    (the earliest one when two are as long; runs before the first and
    after the last reading count), the first and last reading, and the
    rejected readings by reason. A signal a series never reported on this
    day, while the dataset's files have its column, gets a row too: no
    readings, coverage 0, a gap of the whole day.
    From: day_cells (24_measure_quality.sql).
    Parameters: $day_start, $step; jinja: target (a parquet file path),
    rows_per_day, columns (list of [dataset, column name]: the columns of
    each dataset's day files).
-#}
copy (
    with columns(dataset, signal) as (
        {%- for dataset, name in columns %}
        {{ "select" if loop.first else "union all select" }} {{ dataset | literal }}, {{ name | literal }}
        {%- else %}
        select null::varchar, null::varchar where false
        {%- endfor %}
    ),

    cells as (
        select
            *,
            (epoch(first_reading)::bigint - $day_start) // $step as first_slot,
            (epoch(last_reading)::bigint - $day_start) // $step as last_slot
        from day_cells
    ),

    edges as (
        -- the run of empty buckets before each non-empty cell's first bucket
        select
            dataset,
            phase,
            module,
            signal,
            first_slot - coalesce(lag(last_slot) over w + 1, 0) as gap_buckets,
            coalesce(lag(last_slot) over w + 1, 0) as gap_start_slot,
            last_slot,
            row_number() over (partition by dataset, phase, module, signal order by cell_start desc) as from_last
        from cells
        where buckets > 0
        window w as (partition by dataset, phase, module, signal order by cell_start)
    ),

    runs as (
        select dataset, phase, module, signal, gap_buckets, gap_start_slot
        from edges
        union all
        -- after the last reading
        select dataset, phase, module, signal, {{ rows_per_day }} - 1 - last_slot, last_slot + 1
        from edges
        where from_last = 1
        union all
        -- inside a cell
        select dataset, phase, module, signal, gap_buckets, (epoch(gap_start)::bigint - $day_start) // $step
        from cells
        where gap_buckets > 0
    ),

    longest as (
        select
            dataset,
            phase,
            module,
            signal,
            max(gap_buckets) as gap_buckets,
            arg_min(gap_start_slot, (-gap_buckets, gap_start_slot)) as gap_start_slot
        from runs
        where gap_buckets > 0
        group by all
    ),

    reasons as (
        select dataset, phase, module, signal, reason.key as reason, sum(reason.value)::bigint as n
        from (select *, unnest(map_entries(rejected_by_reason)) as reason from day_cells)
        group by all
    ),

    totals as (
        select
            dataset,
            phase,
            module,
            signal,
            sum(readings)::bigint as readings,
            sum(buckets)::bigint as buckets,
            min(first_reading) as first_reading,
            max(last_reading) as last_reading,
            sum(rejected)::bigint as rejected
        from day_cells
        group by all
    ),

    by_reason as (
        select
            dataset,
            phase,
            module,
            signal,
            map(list(reason order by reason), list(n order by reason)) as rejected_by_reason
        from reasons
        group by all
    ),

    every_series as (
        -- every series with a day file, each with every column of its dataset
        select distinct s.dataset, s.phase, s.module, c.signal
        from day_cells as s
        inner join columns as c on s.dataset = c.dataset
        where s.buckets > 0
    ),

    keyed as (
        select dataset, phase, module, signal from every_series
        union
        select dataset, phase, module, signal from totals
    ),

    final as (
        select
            k.dataset,
            k.phase,
            k.module,
            k.signal,
            $step::integer as bucket_seconds,
            coalesce(t.readings, 0)::bigint as readings,
            coalesce(t.buckets, 0)::bigint as buckets,
            coalesce(t.buckets, 0) / {{ rows_per_day }} as coverage,
            case
                when coalesce(t.buckets, 0) = 0 then {{ rows_per_day }}
                else coalesce(l.gap_buckets, 0)
            end::bigint as longest_gap_buckets,
            case
                when coalesce(t.buckets, 0) = 0 then to_timestamp($day_start)
                else to_timestamp($day_start + l.gap_start_slot * $step)
            end as longest_gap_start,
            t.first_reading,
            t.last_reading,
            coalesce(t.rejected, 0)::bigint as rejected,
            coalesce(r.rejected_by_reason, map()::map(varchar, bigint)) as rejected_by_reason
        from keyed as k
        left join totals as t
            on k.dataset is not distinct from t.dataset
            and k.phase is not distinct from t.phase
            and k.module is not distinct from t.module
            and k.signal is not distinct from t.signal
        left join longest as l
            on k.dataset is not distinct from l.dataset
            and k.phase is not distinct from l.phase
            and k.module is not distinct from l.module
            and k.signal is not distinct from l.signal
        left join by_reason as r
            on k.dataset is not distinct from r.dataset
            and k.phase is not distinct from r.phase
            and k.module is not distinct from r.module
            and k.signal is not distinct from r.signal
    )

    select * from final
    order by dataset nulls last, phase, module, signal
) to {{ target | literal }} (format parquet, compression snappy)
