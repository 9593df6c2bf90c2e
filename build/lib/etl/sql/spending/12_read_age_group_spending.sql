-- Makes: the bars the chart draws, in age order: a label, the group's total,
-- and whether an age rule defines the group (the chart greys the others).
-- From: age_group_spending (09_summarise_age_groups.sql).
-- Parameters: none.
-- The label puts the ages a group holds under its name (Young / 18-29), so
-- the chart itself states the rule; groups without an age rule show the name only.
with labelled as (
    select
        group_order,
        age_group
        || case
            when min_age is null then ''
            when below_age is null then chr(10) || min_age || '+'
            else chr(10) || min_age || '–' || (below_age - 1)
        end as label,
        total_spending,
        holds = 'age' as by_age
    from age_group_spending
),

final as (
    select
        label,
        total_spending,
        by_age
    from labelled
    order by group_order
)

select * from final
