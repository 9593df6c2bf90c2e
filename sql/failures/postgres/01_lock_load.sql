-- Makes: nothing; takes this transaction's advisory lock on the load, if it is free.
-- From: PostgreSQL's advisory locks (per database), the first statement of a load's transaction.
-- Parameters: $class_key, $object_key (the lock's two int4 keys, stores.LOAD_LOCK).
-- Returns one row: locked (false when another load holds it). The lock goes
-- with the transaction (commit, rollback or a dropped connection), so a
-- killed run never leaves it behind. Two loads into one database would
-- otherwise race on `create ... if not exists` and on the same keys, and
-- end with PostgreSQL's `duplicate key` or `deadlock detected`.
select pg_try_advisory_xact_lock($class_key, $object_key) as locked
