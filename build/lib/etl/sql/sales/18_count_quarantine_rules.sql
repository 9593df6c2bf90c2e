-- Makes: quarantined rows per source and first failed rule, for the run
-- summary.
-- From: silver_quarantine. Parameters: none.
select
    source_table,
    rule,
    count(*) as quarantined_rows,
from silver_quarantine
group by source_table, rule
order by source_table, rule
