-- Makes: this run's lines per input file, fate and kind of reason, for the
-- run summary (inputs with rows, rejects by reason).
-- From: votes_staged (04_stage_lines.sql), votes_classified (05_classify_lines.sql).
-- Parameters: none.
-- Returns: file, staged (non-blank lines read), status, reason_kind, lines.
{#
A reject's reason names its Id, value or earlier line; the summary counts
rejects by the kind of reason, so those details are cut off here. A reason
of a kind not listed below is kept whole, never dropped.
#}
with staged as (
    select
        file,
        count(*) as staged,
    from votes_staged
    group by file
),

fates as (
    select
        file,
        status,
        case
            when reason like 'Id % is already in blog_analysis.votes with different content'
                then 'Id already stored with different content'
            when reason like 'Id % conflicts with %' then 'Id repeated with different content'
            when reason like '% is not an integer: %' then split_part(reason, ':', 1)
            when reason like '% is not a timestamp: %' then split_part(reason, ':', 1)
            else reason
        end as reason_kind,
        count(*) as lines,
    from votes_classified
    group by all
),

final as (
    select
        staged.file,
        staged.staged,
        fates.status,
        fates.reason_kind,
        fates.lines,
    from staged
    inner join fates using (file)
)

select * from final
order by file, status, reason_kind
