-- Makes: nothing; finds the server process holding the load's advisory lock, for the error message.
-- From: pg_locks (two-key advisory locks have objsubid 2), in the current database.
-- Parameters: $class_key, $object_key (the lock's two int4 keys, stores.LOAD_LOCK).
select pid
from pg_locks
where
    locktype = 'advisory'
    and granted
    and classid = $class_key
    and objid = $object_key
    and objsubid = 2
    and database = (select oid from pg_database where datname = current_database())
