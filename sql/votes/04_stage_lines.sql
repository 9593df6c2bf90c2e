-- Makes the temporary table `votes_staged`: every non-blank line of the
-- input files with its file, line number and raw text, the vote's typed
-- columns, and the reason the line cannot be loaded (null when it can).
-- From: the JSON-lines files in $paths, read as whole text so that a broken
-- line cannot stop the read and every line keeps its number.
-- Parameters: $paths (list of file paths).
{#
Integers are accepted as JSON integers or as strings of digits (the export
writes every value as a string); try_cast alone would also take '1.5', '1e3',
'0x10' and '1_000', hence the pattern. CreationDate must be an ISO local
timestamp (the export's `2022-01-02T00:00:00.000`); a zone offset would be
dropped silently by the cast, so it is rejected instead of misread. A JSON
null counts as missing. Keys other than the six are ignored. A UTF-8
byte-order mark (U+FEFF) at the start of a file is not part of its first
line: editors on Windows write one, and the first vote must not be rejected
for it.
#}
create or replace temp table votes_staged as
with files as (
    select
        filename as file,
        string_split(replace(regexp_replace(content, '^' || chr(65279), ''), chr(13) || chr(10), chr(10)), chr(10))
            as lines,
    from read_text($paths)
),

{# unnest in the select list: a lateral join would copy the whole file's
   text onto every line (quadratic in the file size). #}
lines as (
    select
        file,
        unnest(lines) as raw_text,
        generate_subscripts(lines, 1) as line_number,
    from files
),

non_blank as (
    select *
    from lines
    where not regexp_full_match(raw_text, '\s*')
),

shaped as (
    select
        *,
        case when json_valid(raw_text) then json_type(raw_text) end as json_kind,
    from non_blank
),

fields as (
    select
        *,
        case when json_kind = 'OBJECT' then
            from_json(
                raw_text,
                '{"Id": "VARCHAR", "PostId": "VARCHAR", "VoteTypeId": "VARCHAR",
                  "CreationDate": "VARCHAR", "UserId": "VARCHAR", "BountyAmount": "VARCHAR"}'
            )
        end as text,
    from shaped
),

typed as (
    select
        *,
        case when regexp_full_match(text.Id, '-?[0-9]+') then try_cast(text.Id as bigint) end as Id,
        case when regexp_full_match(text.PostId, '-?[0-9]+') then try_cast(text.PostId as bigint) end as PostId,
        case when regexp_full_match(text.VoteTypeId, '-?[0-9]+') then try_cast(text.VoteTypeId as integer) end
            as VoteTypeId,
        case
            when regexp_full_match(
                text.CreationDate, '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?'
            )
                then try_cast(text.CreationDate as timestamp)
        end as CreationDate,
        case when regexp_full_match(text.UserId, '-?[0-9]+') then try_cast(text.UserId as bigint) end as UserId,
        case when regexp_full_match(text.BountyAmount, '-?[0-9]+') then try_cast(text.BountyAmount as integer) end
            as BountyAmount,
    from fields
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
            when json_kind is null then 'invalid JSON'
            when json_kind <> 'OBJECT' then 'not a JSON object'
            when text.Id is null then 'missing Id'
            when Id is null then 'Id is not an integer: "' || text.Id || '"'
            when text.PostId is null then 'missing PostId'
            when PostId is null then 'PostId is not an integer: "' || text.PostId || '"'
            when text.VoteTypeId is null then 'missing VoteTypeId'
            when VoteTypeId is null then 'VoteTypeId is not an integer: "' || text.VoteTypeId || '"'
            when text.CreationDate is null then 'missing CreationDate'
            when CreationDate is null then 'CreationDate is not a timestamp: "' || text.CreationDate || '"'
            when text.UserId is not null and UserId is null then 'UserId is not an integer: "' || text.UserId || '"'
            when text.BountyAmount is not null and BountyAmount is null
                then 'BountyAmount is not an integer: "' || text.BountyAmount || '"'
        end as reason,
    from typed
)

select * from final
