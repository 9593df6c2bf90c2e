-- Makes: the hstore extension in the current database, if missing (needs a
--   superuser, the database owner or a role with CREATE on the database).
-- From: nothing. Parameters: none. PostgreSQL only.
create extension if not exists hstore
