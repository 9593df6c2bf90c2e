{#-
    Makes: the rows of one day's coverage map, in the order they are drawn:
    dataset (modules, phases, system), family ($families first, in that
    order, then by name), phase and module in natural order (2 before 10);
    each with members, normal_buckets, cell_buckets, cell_seconds and its
    cells (see 07_stage_coverage.sql).
    From: temp table coverage, staged with that day's quality files.
    Parameters: $families (the module families in the order of the module
    figure's panels).
-#}
with final as (
    select
        dataset,
        family,
        phase,
        module,
        members,
        normal_buckets,
        cell_buckets,
        cell_seconds,
        cells
    from coverage
)

select * from final
order by
    list_position(['modules', 'phases', 'system'], dataset) nulls last,
    dataset,
    list_position($families, family) nulls last,
    family,
    try_cast(phase as integer),
    phase,
    try_cast(module as integer),
    module
