-- Makes the temporary table `votes_staged`: every non-blank line of the
-- input files with its file, line number and raw text, the vote's typed
-- columns, and the reason the line cannot be loaded (null when it can).
-- From: the JSON-lines files in $paths, read as whole text so that a broken
-- line cannot stop the read and every line keeps its number.
-- Parameters: $paths (list of file paths, in ingestion order).
{#
Integers are accepted as JSON integers or as strings of digits (the export
writes every value as a string); try_cast alone would also take '1.5', '1e3',
'0x10' and '1_000', hence the pattern. CreationDate must be an ISO local
timestamp (the export's `2022-01-02T00:00:00.000`); a zone offset would be
dropped silently by the cast, so it is rejected instead of misread.
#}
create or replace temp table votes_staged as
with files as (
    select
        filename as file,
        string_split(content, chr(10)) as lines,
    from read_text($paths)
),

{# unnest in the select list: a lateral join would copy the whole file's
   text onto every line (quadratic in the file size). #}
lines as (
    select
        file,
        unnest(lines) as line,
        generate_subscripts(lines, 1) as line_number,
    from files
),

trimmed as (
    select
        file,
        line_number,
        rtrim(line, chr(13)) as raw_text,
    from lines
),

non_blank as (
    select *
    from trimmed
    where trim(raw_text) <> ''
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
            json_extract_string(raw_text, ['$.Id', '$.PostId', '$.VoteTypeId', '$.CreationDate', '$.UserId', '$.BountyAmount'])
        end as texts,
        case when json_kind = 'OBJECT' then
            json_type(raw_text, ['$.Id', '$.PostId', '$.VoteTypeId', '$.CreationDate', '$.UserId', '$.BountyAmount'])
        end as kinds,
    from shaped
),

present as (
    select
        *,
        list_transform(kinds, k -> k is not null and k <> 'NULL') as has,
        list_transform(
            list_zip(kinds, texts),
            kt -> case
                when kt[1] in ('VARCHAR', 'BIGINT', 'UBIGINT') and regexp_full_match(kt[2], '-?[0-9]+')
                    then try_cast(kt[2] as bigint)
            end
        ) as integers,
    from fields
),

typed as (
    select
        file,
        line_number,
        raw_text,
        json_kind,
        texts,
        has,
        integers[1] as Id,
        integers[2] as PostId,
        try_cast(integers[3] as integer) as VoteTypeId,
        case
            when kinds[4] = 'VARCHAR'
                and regexp_full_match(texts[4], '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?')
                then try_cast(texts[4] as timestamp)
        end as CreationDate,
        integers[5] as UserId,
        try_cast(integers[6] as integer) as BountyAmount,
    from present
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
            when not has[1] then 'missing Id'
            when Id is null then 'Id is not an integer: "' || texts[1] || '"'
            when not has[2] then 'missing PostId'
            when PostId is null then 'PostId is not an integer: "' || texts[2] || '"'
            when not has[3] then 'missing VoteTypeId'
            when VoteTypeId is null then 'VoteTypeId is not an integer: "' || texts[3] || '"'
            when not has[4] then 'missing CreationDate'
            when CreationDate is null then 'CreationDate is not a timestamp: "' || texts[4] || '"'
            when has[5] and UserId is null then 'UserId is not an integer: "' || texts[5] || '"'
            when has[6] and BountyAmount is null then 'BountyAmount is not an integer: "' || texts[6] || '"'
        end as reason,
    from typed
)

select * from final
