{#-
    Makes: the signals (output columns) of each dataset on this day, and
    whether each is text. Python orders them naturally (cell 2 before cell 10)
    and renders them into the writing step.
    From: day_placed, readings without problems only.
    Parameters: none.
-#}
select
    dataset,
    signal,
    bool_or(is_text) as is_text
from day_placed
where problem is null
group by dataset, signal
