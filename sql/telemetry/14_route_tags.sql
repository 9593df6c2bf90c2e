{#-
    Makes: temp table day_tags, one row per distinct tag set known: the
    dataset it routes to, its phase and module, the suffix its qualifying
    tags add to a signal name, or why it cannot be routed.
    From: the tag sets of known_signals (every signal met so far in the run,
    so that a day whose signals are all known can be placed in one pass).
    Parameters: none.
    Routing: phase + module -> modules; phase only -> phases; neither -> system.
    A phase or module value names a folder (URL-encoded, up to 3 bytes per
    byte), so one over 64 bytes is rejected: it could exceed a file system's
    255-byte limit on a name.
    Qualifying tags are every tag but phase, module and message_source=master,
    ordered battery, sensor, cell, then any other key alphabetically; each adds
    `__<key>_<value>` to the payload type.
-#}
create or replace temp table day_tags as
with tag_sets as (
    select distinct
        tag_hash,
        tags
    from known_signals
),

pairs as (
    select
        tag_hash,
        tags,
        list_filter(tags, t -> t[1] = 'phase') as phase_pairs,
        list_filter(tags, t -> t[1] = 'module') as module_pairs,
        list_filter(
            tags,
            t -> t[1] not in ('phase', 'module')
            and not (t[1] = 'message_source' and t[2] = 'master')
        ) as qualifier_pairs,
        list_count(list_distinct(list_transform(tags, t -> t[1]))) as distinct_keys,
        list_bool_or(list_transform(tags, t -> len(t) <> 2)) as has_malformed_pair,
        list_bool_or(
            list_transform(tags, t -> coalesce(trim(t[1]), '') = '' or coalesce(trim(t[2]), '') = '')
        ) as has_empty_part
    from tag_sets
),

ranked as (
    select
        *,
        list_sort(
            list_transform(
                qualifier_pairs,
                t -> [
                    case t[1] when 'battery' then '1' when 'sensor' then '2' when 'cell' then '3' else '9' end
                    || t[1],
                    t[1],
                    t[2]
                ]
            )
        ) as ordered_qualifiers
    from pairs
),

final as (
    select
        tag_hash,
        tags,
        case
            when has_malformed_pair then 'malformed tag: not a [key, value] pair'
            when has_empty_part then 'malformed tag: empty key or value'
            when distinct_keys <> len(tags) then 'malformed tag: a key appears twice'
            when len(module_pairs) = 1 and len(phase_pairs) = 0 then 'module tag without a phase tag'
            when strlen(coalesce(phase_pairs[1][2], '')) > 64 or strlen(coalesce(module_pairs[1][2], '')) > 64
                then 'malformed tag: phase or module value over 64 bytes'
        end as reject_reason,
        case
            when len(phase_pairs) = 1 and len(module_pairs) = 1 then 'modules'
            when len(phase_pairs) = 1 then 'phases'
            when len(module_pairs) = 0 then 'system'
        end as dataset,
        phase_pairs[1][2] as phase,
        module_pairs[1][2] as module,
        list_aggregate(
            list_transform(ordered_qualifiers, q -> '__' || q[2] || '_' || q[3]),
            'string_agg',
            ''
        ) as suffix
    from ranked
)

select * from final
