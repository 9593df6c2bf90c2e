-- Appends this run's rejected lines to blog_analysis.votes_rejects, each
-- (file, line_number, raw_text) once however often its file is ingested.
-- From: votes_classified (05_classify_lines.sql). Parameters: none.
insert into blog_analysis.votes_rejects
with rejected as (
    select
        file,
        line_number,
        raw_text,
        reason,
    from votes_classified
    where status = 'rejected'
),

final as (
    select
        rejected.*,
        current_timestamp::timestamp as rejected_at,
    from rejected
    anti join blog_analysis.votes_rejects as known
        on rejected.file = known.file
        and rejected.line_number = known.line_number
        and rejected.raw_text = known.raw_text
)

select * from final
