-- Makes: an empty stage table, ready for the next chunk's COPY.
-- From: the stage table named by jinja `stage`.
-- Parameters: none. Jinja: stage. PostgreSQL only.
truncate {{ stage | ident }}
