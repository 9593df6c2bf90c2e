-- Makes: the current chunk's rejected lines by kind of reason, for the run summary.
-- From: the stage table named by jinja `stage`, after the flag steps.
-- Parameters: none. Jinja: stage. Portable SQL: runs on PostgreSQL and DuckDB.
{#
A reason names the sensor, equipment or earlier line it clashes with; the
summary counts by the kind of reason, so those details are cut off here.
The parse reasons (01-03) are fixed texts and stay as they are, and so does
any reason of a kind not listed: a reject is never dropped from the count.
#}
select
    case
        when reject_reason like 'equipment_id % is stored as code %'
            then 'equipment_id stored with another code or group'
        when reject_reason like 'code % is stored for equipment_id %'
            then 'code stored for another equipment_id'
        when reject_reason like 'sensor % maps to equipment %, which is not in equipment'
            then 'sensor maps to equipment that is not in equipment'
        when reject_reason like 'sensor % is stored under equipment %'
            then 'sensor stored under other equipment'
        when reject_reason like 'sensor % maps to no equipment' then 'sensor maps to no equipment'
        when reject_reason like 'duplicate of % line %' then 'duplicate of an earlier reading'
        when reject_reason like 'conflicts with % line %' then 'conflicts with an earlier reading'
        when reject_reason like 'equipment_id % says otherwise at item %'
            then 'equipment_id given twice with other values'
        when reject_reason like 'code % is already used by item %' then 'code given twice'
        when reject_reason like 'not valid UTF-8 (byte %)' then 'not valid UTF-8'
        when reject_reason like 'invalid timestamp %' then 'invalid timestamp'
        when reject_reason like 'sensor id % is too large' then 'sensor id is too large'
        when reject_reason like 'measurement % is not "name value"' then 'measurement is not "name value"'
        when reject_reason like 'temperature % is not a number' then 'temperature is not a number'
        when reject_reason like 'vibration % is not a number' then 'vibration is not a number'
        when reject_reason like '% "%" is not a finite number' then 'measurement is not a finite number'
        else reject_reason
    end as reason_kind,
    count(*) as lines
from {{ stage | ident }}
where reject_reason is not null
group by 1
order by 1
