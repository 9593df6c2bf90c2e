"""The engine every pipeline runs on: one connection factory, one quoting
helper, and a runner that renders `sql/<pipeline>/*.sql` templates and runs
them with bound parameters.

Values always travel as bound parameters (`$name`). Jinja is for structure
only: where DuckDB cannot bind (identifiers, some option positions), templates
use `{{ x | ident }}` or `{{ x | literal }}`, both defined here once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import math
import os
import re
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

import duckdb
import jinja2

from etl.core.errors import EtlError, Interrupted, check_stop, interrupted_by, on_stop
from etl.core.paths import PROJECT_ROOT, SQL_DIR

_PARAM_RE = re.compile(r"(?<![\w$])\$([A-Za-z_]\w*)")
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
# DuckDB's units, as its memory_limit reads them: KB (K, kilobyte) is 1000 bytes, KiB 1024.
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "byte": 1,
    "bytes": 1,
    **{
        spelling: 10 ** (3 * power)
        for power, (letter, word) in enumerate((("k", "kilo"), ("m", "mega"), ("g", "giga"), ("t", "tera")), 1)
        for spelling in (letter, letter + "b", word + "byte", word + "bytes")
    },
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_ERROR_LINE_RE = re.compile(r"LINE (\d+):")
# Every open connection, so that a stop (errors.stop) interrupts each query in flight.
_OPEN: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()
_OPEN_LOCK = threading.RLock()


def quote_identifier(name: str) -> str:
    """Quote any string as a DuckDB identifier (`a"b` -> `"a""b"`)."""
    if not isinstance(name, str) or name == "":
        raise ValueError(f"an identifier must be a non-empty string, not {name!r}")
    if "\x00" in name:
        raise ValueError("an identifier cannot contain a NUL character")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: Any) -> str:
    """Render a Python value as a DuckDB literal, for the few places that cannot bind."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f"'{value}'::DOUBLE"
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return f"'{value}'::DECIMAL"
    if isinstance(value, PurePath):
        value = str(value)
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("a literal cannot contain a NUL character")
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, dt.datetime):
        kind = "TIMESTAMPTZ" if value.tzinfo is not None else "TIMESTAMP"
        return f"{kind} {quote_literal(value.isoformat())}"
    if isinstance(value, dt.date):
        return f"DATE {quote_literal(value.isoformat())}"
    if isinstance(value, dt.timedelta):
        return f"INTERVAL {quote_literal(f'{value.total_seconds()} seconds')}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(quote_literal(v) for v in value) + "]"
    raise TypeError(f"cannot render {type(value).__name__} as a SQL literal")


def parse_size(text: str) -> int:
    """Bytes in a memory size as DuckDB spells it (`600MB`, `1.5 GiB`, `300000B`)."""
    match = _SIZE_RE.match(text)
    unit = match.group(2).lower() if match else None
    if not match or unit not in _SIZE_UNITS:
        raise EtlError(f"not a memory size: {text!r} (e.g. 600MB, 2GB, 1.5GiB)")
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def size_unit(text: str) -> str | None:
    """The unit of a memory size, lower case ("" for a bare number; None: not a size)."""
    match = _SIZE_RE.match(text)
    return match.group(2).lower() if match else None


def connect(
    database: str | os.PathLike[str] = ":memory:",
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
    read_only: bool = False,
) -> duckdb.DuckDBPyConnection:
    """The one place a DuckDB connection is made.

    Every session runs in UTC so that timestamps never depend on the
    machine's zone; threads, memory and the spill folder are set here so a
    pipeline bounds its memory the same way everywhere.
    """
    config: dict[str, Any] = {}
    if threads is not None:
        if threads < 1:
            raise EtlError(f"--threads must be at least 1, not {threads}")
        config["threads"] = threads
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    if temp_directory is not None:
        Path(temp_directory).mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp_directory)
    check_stop()
    try:
        con = duckdb.connect(str(database), read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise EtlError(f"cannot open DuckDB database {database}: {_first_line(exc)}") from exc
    with _OPEN_LOCK:
        _OPEN.add(con)
    # ICU is built in but only takes the zone once loaded, not as a connect option.
    con.execute("set TimeZone = 'UTC'")
    # Progress is ours to show (tqdm, off when not a terminal), not DuckDB's.
    con.execute("pragma disable_progress_bar")
    return con


def interrupt_all() -> None:
    """Interrupt the query each open connection runs (a stop's hook)."""
    with _OPEN_LOCK:
        connections = list(_OPEN)
    for con in connections:
        _interrupt(con)


def _interrupt(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # closed meanwhile
        con.interrupt()


on_stop(interrupt_all)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _environment(root: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["ident"] = quote_identifier
    env.filters["literal"] = quote_literal
    return env


class SqlRunner:
    """Renders and runs the SQL files of one pipeline on one connection.

    Errors name the SQL file and the line of the rendered statement, so a
    broken step is found without reading Python.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        pipeline: str,
        *,
        sql_dir: Path = SQL_DIR,
    ) -> None:
        self.con = con
        self.pipeline = pipeline
        self.folder = sql_dir / pipeline
        self._interrupted = False
        if not self.folder.is_dir():
            raise EtlError(f"no SQL folder for pipeline {pipeline!r}: {self.folder}")
        self._env = _environment(sql_dir)

    def steps(self) -> list[str]:
        """The folder's `NN_` SQL files in listing order. Each pipeline states
        its run order once, in its `STEPS`; a test checks the two agree."""
        return sorted(p.name for p in self.folder.glob("[0-9][0-9]_*.sql"))

    def path(self, name: str) -> Path:
        return self.folder / name

    def render(self, name: str, **context: Any) -> str:
        try:
            template = self._env.get_template(f"{self.pipeline}/{name}")
            return template.render(**context)
        except jinja2.TemplateNotFound as exc:
            raise EtlError(f"SQL file not found: {self.display(name)}") from exc
        except jinja2.UndefinedError as exc:
            raise EtlError(f"{self.display(name)}: template value missing: {exc}") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise EtlError(f"{self.display(name)}:{exc.lineno}: template syntax: {exc.message}") from exc

    def execute(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        **context: Any,
    ) -> duckdb.DuckDBPyConnection:
        """Render `name` and run it; returns the connection for fetching."""
        sql = self.render(name, **context)
        return self.execute_sql(sql, params, source=name)

    def execute_sql(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        source: str,
    ) -> duckdb.DuckDBPyConnection:
        bound = bind_parameters(sql, params or {}, self.display(source))
        self._check_interrupted()
        try:
            if bound:
                return self.con.execute(sql, bound)
            return self.con.execute(sql)
        except duckdb.InterruptException as exc:
            # Only a stop interrupts a query: never a broken input to look into.
            raise Interrupted() from exc
        except duckdb.Error as exc:
            self._check_interrupted()
            raise EtlError(self._describe(source, sql, exc)) from exc
        except RuntimeError as exc:
            # A signal during a query on the main thread: DuckDB's client raises
            # RuntimeError('Query interrupted') caused by the KeyboardInterrupt.
            stop = interrupted_by(exc)
            if stop is None:
                raise
            raise stop from None

    def interrupt(self) -> None:
        """Stop this runner: interrupt its query in flight and refuse every
        later one (with Interrupted), whatever thread runs them."""
        self._interrupted = True
        _interrupt(self.con)

    def resume(self) -> None:
        """Take statements again after `interrupt()` (a worker kept for the next job)."""
        self._interrupted = False

    def _check_interrupted(self) -> None:
        if self._interrupted:
            raise Interrupted()
        check_stop()

    def fetch(self, name: str, params: Mapping[str, Any] | None = None, **context: Any) -> list[tuple]:
        return self.execute(name, params, **context).fetchall()

    def display(self, name: str) -> str:
        """The SQL file's path as errors name it: relative to the project when inside it."""
        path = self.folder / name
        try:
            return str(path.relative_to(PROJECT_ROOT))
        except ValueError:
            return str(path)

    def _describe(self, name: str, sql: str, exc: duckdb.Error) -> str:
        message = " ".join(str(exc).split())
        match = _ERROR_LINE_RE.search(str(exc))
        where = self.display(name)
        if match:
            line_no = int(match.group(1))
            message = message.split(" LINE ")[0]
            lines = sql.splitlines()
            text = lines[line_no - 1].strip() if 0 < line_no <= len(lines) else ""
            return f"{where}, line {line_no} of the rendered SQL ({text!r}): {message}"
        return f"{where}: {message}"


def bind_parameters(sql: str, params: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The values of the `$name` parameters `sql` uses; a missing one is an
    error naming `where`. Every driver binds through this: DuckDB takes the
    result as is, psycopg after `pyformat`."""
    wanted = set(_PARAM_RE.findall(sql))
    missing = sorted(wanted - set(params))
    if missing:
        raise EtlError(f"{where}: no value bound for " + ", ".join(f"${m}" for m in missing))
    return {k: _plain(v) for k, v in params.items() if k in wanted}


def pyformat(sql: str) -> str:
    """`sql` with its `$name` parameters as psycopg's `%(name)s` (and `%` escaped)."""
    return _PARAM_RE.sub(r"%(\1)s", sql.replace("%", "%%"))


def _plain(value: Any) -> Any:
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, PurePath) for v in value):
        return [str(v) for v in value]
    return value
