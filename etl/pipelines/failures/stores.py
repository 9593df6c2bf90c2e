"""Where the failures pipeline stores its model: PostgreSQL, or embedded DuckDB.

Both stores run the same SQL files (`sql/failures/store/`, `sql/failures/report/`),
rendered with `backend` so the one type that differs (hstore versus
MAP(VARCHAR, VARCHAR)) is chosen in the template; everything else is portable
SQL. PostgreSQL statements use the `$name` placeholders of the project's SQL,
translated here into psycopg's `%(name)s`: values stay bound parameters.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import psycopg.conninfo
from psycopg.types import TypeInfo
from psycopg.types.hstore import register_hstore

from etl.core.engine import SqlRunner, bind_parameters, connect, pyformat, quote_identifier
from etl.core.errors import EtlError
from etl.core.files import ensure_folder
from etl.pipelines.failures.pipeline import (
    PIPELINE,
    POSTGRES_CLEAR_STAGE,
    POSTGRES_HSTORE,
    POSTGRES_LOCK,
    POSTGRES_LOCK_HOLDER,
    POSTGRES_STAGE_TABLES,
    SELECT_STAGE,
)

# The libpq environment variables, and the connection keyword each sets. A
# `.env` file may set them too (and DATABASE_URL); the real environment wins
# over the file.
LIBPQ_ENV = {
    "PGHOST": "host",
    "PGHOSTADDR": "hostaddr",
    "PGPORT": "port",
    "PGDATABASE": "dbname",
    "PGUSER": "user",
    "PGPASSWORD": "password",
    "PGPASSFILE": "passfile",
    "PGSERVICE": "service",
    "PGSERVICEFILE": "servicefile",
    "PGSSLMODE": "sslmode",
    "PGCONNECT_TIMEOUT": "connect_timeout",
    "PGAPPNAME": "application_name",
    "PGOPTIONS": "options",
}
DEFAULT_CONNECT_TIMEOUT = "10"
# The connection string most hosting platforms and frameworks set.
DATABASE_URL = "DATABASE_URL"
# The PostgreSQL advisory lock a load holds for its transaction (two int4
# keys: "etl", "fail"), so that two loads into one database take turns.
LOAD_LOCK = (int.from_bytes(b"etl", "big"), int.from_bytes(b"fail", "big"))

_AUTH_HINTS = ("password authentication failed", "authentication failed", "no password supplied", "role ")


@dataclass(frozen=True)
class PostgresSettings:
    """A connection string plus keywords from a `.env` file (never printed: it may hold a password)."""

    dsn: str
    keywords: dict[str, str]


def read_dotenv(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines of a `.env` file; comments, blanks and `export ` prefixes allowed."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        text = text.removeprefix("export ").strip()
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise EtlError(f"{path}, line {number}: expected KEY=VALUE, got {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def postgres_settings(dsn: str | None, env_file: Path) -> PostgresSettings | None:
    """The PostgreSQL settings given by `--dsn`, `DATABASE_URL`, the libpq
    environment or `.env`; None when there are none.

    None means the user asked for no server at all: the pipeline then runs on
    embedded DuckDB instead of failing. The connection string is `--dsn`, else
    `DATABASE_URL` from the environment, else from `.env`; what it leaves out,
    the PG* variables say (the environment's, as libpq reads them, then
    `.env`'s): a value it states is never overridden.
    """
    dotenv = read_dotenv(env_file)
    pg_dotenv = {k: v for k, v in dotenv.items() if k in LIBPQ_ENV}
    in_environment = [k for k in LIBPQ_ENV if os.environ.get(k)]
    conninfo = dsn or os.environ.get(DATABASE_URL) or dotenv.get(DATABASE_URL)
    if not conninfo and not in_environment and not pg_dotenv:
        return None
    source = "--dsn" if dsn else DATABASE_URL
    try:
        stated = psycopg.conninfo.conninfo_to_dict(conninfo or "")
    except psycopg.ProgrammingError as exc:
        raise EtlError(f"invalid PostgreSQL connection string in {source}: {exc}") from exc
    keywords = {LIBPQ_ENV[k]: v for k, v in pg_dotenv.items() if not os.environ.get(k) and LIBPQ_ENV[k] not in stated}
    if (
        "connect_timeout" not in keywords
        and "connect_timeout" not in stated
        and not os.environ.get("PGCONNECT_TIMEOUT")
    ):
        keywords["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT
    return PostgresSettings(conninfo or "", keywords)


def connect_postgres(settings: PostgresSettings) -> psycopg.Connection:
    """Open the connection, turning libpq's failures into messages that say what to check."""
    try:
        return psycopg.connect(settings.dsn, autocommit=False, **settings.keywords)
    except psycopg.OperationalError as exc:
        detail = " ".join(str(exc).split())
        lowered = detail.lower()
        if any(hint in lowered for hint in _AUTH_HINTS):
            raise EtlError(
                f"PostgreSQL refused the login: {detail}. Check PGUSER and PGPASSWORD (or --dsn, or .env)."
            ) from exc
        if "database" in lowered and "does not exist" in lowered:
            raise EtlError(f"PostgreSQL database missing: {detail}. Create it or set PGDATABASE.") from exc
        raise EtlError(
            f"cannot reach PostgreSQL: {detail} (check that the server is up and that PGHOST and PGPORT, "
            "--dsn or .env name it)"
        ) from exc
    except psycopg.ProgrammingError as exc:  # a malformed connection string
        raise EtlError(f"invalid PostgreSQL connection settings: {exc}") from exc


class Store:
    """The model's home: runs the store and report SQL, receives parsed stage tables."""

    backend: str
    description: str

    def __init__(self, parse_con: duckdb.DuckDBPyConnection) -> None:
        self.parse_con = parse_con
        self.parse_sql = SqlRunner(parse_con, PIPELINE)
        self.store_sql = SqlRunner(parse_con, f"{PIPELINE}/store")
        self.report_sql = SqlRunner(parse_con, f"{PIPELINE}/report")

    def create_schema(self, steps: tuple[str, ...]) -> None:
        """Tables, keys and constraints (idempotent: `if not exists`)."""
        for name in steps:
            self.run(self.store_sql, name)

    def run(self, runner: SqlRunner, name: str, params: Mapping[str, Any] | None = None, **context: Any) -> int:
        raise NotImplementedError

    def query(
        self, runner: SqlRunner, name: str, params: Mapping[str, Any] | None = None, **context: Any
    ) -> tuple[list[str], list[tuple]]:
        raise NotImplementedError

    def receive(self, stage: str) -> None:
        """Make the parsed stage table (in the parsing DuckDB) visible to the store SQL."""
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class DuckDbStore(Store):
    """The embedded fallback: the model lives in a DuckDB file, parsed in the same connection."""

    backend = "duckdb"

    def __init__(self, path: Path, *, threads: int | None, memory_limit: str | None) -> None:
        ensure_folder(path.parent, "database folder")
        super().__init__(connect(path, threads=threads, memory_limit=memory_limit))
        self.description = f"embedded DuckDB database {path}"

    def run(self, runner: SqlRunner, name: str, params: Mapping[str, Any] | None = None, **context: Any) -> int:
        result = runner.execute(name, params, backend=self.backend, **context)
        row = result.fetchone() if result.description else None
        return int(row[0]) if row and isinstance(row[0], int) else 0

    def query(
        self, runner: SqlRunner, name: str, params: Mapping[str, Any] | None = None, **context: Any
    ) -> tuple[list[str], list[tuple]]:
        result = runner.execute(name, params, backend=self.backend, **context)
        return [d[0] for d in result.description], result.fetchall()

    def receive(self, stage: str) -> None:
        """Nothing to ship: the stage table is already a temp table of this database."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.parse_con.execute("begin transaction")
        try:
            yield
        except BaseException:
            self.parse_con.execute("rollback")
            raise
        self.parse_con.execute("commit")

    def close(self) -> None:
        self.parse_con.close()


class PostgresStore(Store):
    """PostgreSQL stores and serves; DuckDB (in memory) only parses, and COPY carries the rows over."""

    backend = "postgres"

    def __init__(self, settings: PostgresSettings, *, threads: int | None, memory_limit: str | None) -> None:
        super().__init__(connect(threads=threads, memory_limit=memory_limit))
        self.pg_sql = SqlRunner(self.parse_con, f"{PIPELINE}/postgres")
        self.conn = connect_postgres(settings)
        info = self.conn.info
        self.description = f"PostgreSQL database {info.dbname} on {info.host}:{info.port} as {info.user}"

    def create_schema(self, steps: tuple[str, ...]) -> None:
        self._create_hstore()
        super().create_schema(steps)
        for name in POSTGRES_STAGE_TABLES:
            self.run(self.pg_sql, name)

    def _create_hstore(self) -> None:
        """hstore must exist before any table uses it; say who can create it when we cannot."""
        info = self.conn.info
        try:
            with self.conn.transaction():
                self.run(self.pg_sql, POSTGRES_HSTORE)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise EtlError(
                f"the hstore extension is missing in database {info.dbname} and user {info.user} may not "
                f"create it: a superuser or the database owner must run `CREATE EXTENSION hstore;` in "
                f"database {info.dbname} once"
            ) from exc
        except (psycopg.errors.UndefinedFile, psycopg.errors.FeatureNotSupported) as exc:
            raise EtlError(
                f"the hstore extension is not installed on the PostgreSQL server {info.host}:{info.port}: "
                "the server's administrator must install it (Debian: the postgresql-contrib package)"
            ) from exc
        hstore = TypeInfo.fetch(self.conn, "hstore")
        if hstore is None:
            raise EtlError(f"hstore is not visible in database {info.dbname} (check the search_path)")
        register_hstore(hstore, self.conn)

    def _sql(self, runner: SqlRunner, name: str, params: Mapping[str, Any] | None, context: Any) -> tuple[str, Any]:
        sql = runner.render(name, backend=self.backend, **context)
        if not params:
            return sql, None
        return pyformat(sql), bind_parameters(sql, params, runner.display(name))

    def _execute(self, runner: SqlRunner, name: str, params: Mapping[str, Any] | None, context: Any) -> Any:
        sql, bound = self._sql(runner, name, params, context)
        try:
            return self.conn.execute(sql, bound)
        except psycopg.errors.InsufficientPrivilege:
            raise
        except psycopg.Error as exc:
            detail = " ".join(str(exc).split())
            raise EtlError(f"{runner.display(name)}: {detail}") from exc

    def run(self, runner: SqlRunner, name: str, params: Mapping[str, Any] | None = None, **context: Any) -> int:
        cursor = self._execute(runner, name, params, context)
        return max(cursor.rowcount, 0)

    def query(
        self, runner: SqlRunner, name: str, params: Mapping[str, Any] | None = None, **context: Any
    ) -> tuple[list[str], list[tuple]]:
        cursor = self._execute(runner, name, params, context)
        return [d.name for d in cursor.description], cursor.fetchall()

    def receive(self, stage: str) -> None:
        """COPY the parsed stage table from DuckDB into PostgreSQL's temp table of the same name."""
        self.run(self.pg_sql, POSTGRES_CLEAR_STAGE, stage=stage)
        result = self.parse_sql.execute(SELECT_STAGE, stage=stage)
        columns = ", ".join(quote_identifier(d[0]) for d in result.description)
        statement = f"copy {quote_identifier(stage)} ({columns}) from stdin"
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            while rows := result.fetchmany(10_000):
                for row in rows:
                    copy.write_row(row)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The load's one transaction, holding the database's load lock: a
        second load into the same database stops at once, changing nothing."""
        with self.conn.transaction():
            self._lock_load()
            yield

    def _lock_load(self) -> None:
        keys = {"class_key": LOAD_LOCK[0], "object_key": LOAD_LOCK[1]}
        [(locked,)] = self.query(self.pg_sql, POSTGRES_LOCK, keys)[1]
        if locked:
            return
        holders = self.query(self.pg_sql, POSTGRES_LOCK_HOLDER, keys)[1]
        info = self.conn.info
        where = f"PostgreSQL database {info.dbname} on {info.host}:{info.port}"
        if not holders:  # it finished between the two statements
            raise EtlError(f"another run was loading into {where} as this one started; run it again")
        raise EtlError(f"another run is loading into {where} (server process {holders[0][0]}); wait for it to finish")

    def close(self) -> None:
        self.conn.close()
        self.parse_con.close()
