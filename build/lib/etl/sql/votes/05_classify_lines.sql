-- Makes the temporary table `votes_classified`: each staged line with its
-- fate, `status` = 'loaded' (a new vote), 'present' (the same vote is already
-- in the warehouse or earlier in this input) or 'rejected' (with `reason`).
-- From: votes_staged (04_stage_lines.sql) and blog_analysis.votes.
-- Parameters: $paths (the same list as 04, its order breaks ties).
{#
An Id is held to one content: the warehouse's row if the Id is already
there, otherwise the first valid line carrying it (files in $paths order,
then line number). A later line with the same content is skipped as present;
with different content it is rejected as a conflict, so nothing already
loaded is ever overwritten and re-ingesting any file changes nothing.
#}
create or replace temp table votes_classified as
with staged as (
    select
        *,
        list_position($paths, file) as file_order,
        struct_pack(PostId, VoteTypeId, CreationDate, UserId, BountyAmount) as content,
    from votes_staged
),

first_seen as (
    select
        Id,
        arg_min(
            {'file': file, 'line_number': line_number, 'content': content},
            (file_order, line_number)
        ) as first,
    from staged
    where reason is null
    group by Id
),

warehouse as (
    select
        Id,
        struct_pack(PostId, VoteTypeId, CreationDate, UserId, BountyAmount) as content,
    from blog_analysis.votes
    where Id in (select Id from first_seen)
),

compared as (
    select
        staged.*,
        warehouse.Id is not null as in_warehouse,
        staged.file = first_seen.first.file and staged.line_number = first_seen.first.line_number as is_first,
        staged.content is not distinct from coalesce(warehouse.content, first_seen.first.content) as same_content,
        first_seen.first.file as first_file,
        first_seen.first.line_number as first_line_number,
    from staged
    left join first_seen on staged.Id = first_seen.Id
    left join warehouse on staged.Id = warehouse.Id
),

final as (
    select
        file,
        line_number,
        raw_text,
        Id,
        PostId,
        VoteTypeId,
        CreationDate,
        UserId,
        BountyAmount,
        case
            when reason is not null then 'rejected'
            when not in_warehouse and is_first then 'loaded'
            when same_content then 'present'
            else 'rejected'
        end as status,
        case
            when reason is not null then reason
            when in_warehouse and not same_content
                then 'Id ' || Id || ' is already in blog_analysis.votes with different content'
            when not is_first and not same_content
                then 'Id ' || Id || ' conflicts with ' || first_file || ' line ' || first_line_number
                    || ' (different content)'
        end as reason,
    from compared
)

select * from final
