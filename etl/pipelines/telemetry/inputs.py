"""Finding, checking and indexing telemetry input files.

Indexing learns, for each new or changed file, how many rows it has and which
UTC days its readings fall on. Parquet files are indexed from their footers;
CSV and JSON files (and parquet files whose column types differ from the
canonical ones) are first staged into a canonical parquet copy, so every
later step reads one format.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb

from etl.core.engine import SqlRunner
from etl.core.errors import EtlError
from etl.core.files import discover as find_files
from etl.core.storage import FileStat
from etl.pipelines.telemetry.days import SECONDS_PER_DAY

SUFFIXES = {".parquet": "parquet", ".csv": "csv", ".csv.gz": "csv", ".json": "json", ".jsonl": "json"}
REQUIRED_COLUMNS = ("timestamp", "payload_type", "value", "tags")
CANONICAL_TYPES = {
    "timestamp": "BIGINT",
    "payload_type": "VARCHAR",
    "value": "VARCHAR",
    "tags": "VARCHAR[][]",
}
INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
# Readings before this are not from this system; after "now + 1 day" they are
# from a broken clock. Either way the file is broken.
EARLIEST_TIMESTAMP = 946_684_800  # 2000-01-01T00:00:00Z
BATCH = 500


@dataclass
class BadFile(Exception):
    """An input file that cannot serve; `where` is a row or line when known."""

    rel: str
    reason: str

    def __str__(self) -> str:
        return f"{self.rel}: {self.reason}"


def suffix_of(name: str) -> str | None:
    """The input suffix a file name ends with (the longest, so `.csv.gz` beats `.gz`)."""
    name = name.lower()
    return next((s for s in sorted(SUFFIXES, key=len, reverse=True) if name.endswith(s)), None)


def file_format(name: str) -> str | None:
    suffix = suffix_of(name)
    return SUFFIXES[suffix] if suffix else None


class Source(Protocol):
    """Where the input files are (a local folder or an object store)."""

    def stat(self, rel: str) -> FileStat: ...
    def problem(self, rel: str) -> str | None:
        """Why a listed file cannot be read at all (a broken link, a FIFO), or None."""

    def prefetch(self, rels: list[str]) -> None:
        """Get ready to read the footers of `rels` (an object store copies them down at once)."""

    def footer_path(self, rel: str) -> Path:
        """A local file whose parquet footer is the input's (its data need not be there)."""

    def local_path(self, rel: str) -> Path:
        """A local file holding the whole input."""

    def read_path(self, rel: str) -> str:
        """What a day build reads: a local path, or a URL a worker copies first."""


class Staging(Protocol):
    """Where canonical parquet copies of CSV and JSON inputs go."""

    def target(self, rel: str) -> Path:
        """The local file to write the copy of `rel` to."""

    def commit(self, rel: str, path: Path) -> str:
        """Make the copy readable by day builds; returns its read path."""

    def remove(self, read_path: str) -> None:
        """Delete a staged copy (its input is gone or quarantined)."""


def discover(root: Path) -> dict[str, Path]:
    """Every input file under `root`, keyed by its path relative to `root`."""
    found = find_files(root, SUFFIXES)
    if root.is_file():
        return {root.name: root}
    return {path.relative_to(root).as_posix(): path for path in found}


def signature(stat: FileStat) -> dict[str, int]:
    return {"size": stat.size, "mtime_ns": stat.mtime_ns}


def latest_plausible_timestamp() -> int:
    return int(time.time()) + SECONDS_PER_DAY


def index_files(
    runner: SqlRunner,
    source: Source,
    files: list[str],
    staging: Staging,
) -> tuple[dict[str, dict[str, Any]], list[BadFile]]:
    """Index `files` (names relative to the input root): rows, days and the path to read.

    Returns the entries of the good files and the bad ones with reasons.
    """
    entries: dict[str, dict[str, Any]] = {}
    problems = {rel: problem for rel in files if (problem := source.problem(rel))}
    bad = [BadFile(rel, problem) for rel, problem in problems.items()]
    files = [rel for rel in files if rel not in problems]
    parquet = [rel for rel in files if file_format(rel) == "parquet"]
    text = [rel for rel in files if file_format(rel) != "parquet"]

    for rel in text:
        try:
            entries[rel] = _stage(runner, source, rel, file_format(rel) or "csv", staging)
        except BadFile as exc:
            bad.append(exc)

    for start in range(0, len(parquet), BATCH):
        chunk = parquet[start : start + BATCH]
        source.prefetch(chunk)
        for rel, outcome in _index_parquet_batch(runner, source, chunk, staging).items():
            if isinstance(outcome, BadFile):
                bad.append(outcome)
            else:
                entries[rel] = outcome
    return entries, bad


def _index_parquet_batch(
    runner: SqlRunner, source: Source, chunk: list[str], staging: Staging
) -> dict[str, dict[str, Any] | BadFile]:
    out: dict[str, dict[str, Any] | BadFile] = {}
    try:
        paths = {rel: str(source.footer_path(rel)) for rel in chunk}
        footers = _footers(runner, list(paths.values()))
        schemas = _schemas(runner, list(paths.values()))
    except (duckdb.Error, EtlError, OSError):
        # Some file in the batch is broken: find which, one at a time.
        if len(chunk) == 1:
            return {chunk[0]: _unreadable(runner, source, chunk[0])}
        for rel in chunk:
            out.update(_index_parquet_batch(runner, source, [rel], staging))
        return out

    for rel in chunk:
        try:
            problem = _schema_problem(schemas[paths[rel]])
            if problem == "stage":
                out[rel] = _stage(runner, source, rel, "parquet", staging)
                continue
            if problem:
                raise BadFile(rel, problem)
            out[rel] = _entry_from_footer(runner, source, rel, footers.get(paths[rel]))
        except BadFile as exc:
            out[rel] = exc
    return out


def _footers(runner: SqlRunner, paths: list[Path]) -> dict[str, dict[str, Any]]:
    cur = runner.execute("01_inspect_parquet.sql", {"files": [str(p) for p in paths]})
    names = [d[0] for d in cur.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def _schemas(runner: SqlRunner, paths: list[Path]) -> dict[str, dict[str, str]]:
    """Column types per file, asking DuckDB once per distinct parquet schema."""
    rows = runner.fetch("02_list_parquet_schemas.sql", {"files": [str(p) for p in paths]})
    shapes: dict[str, list[tuple]] = {}
    for file_name, *rest in rows:
        shapes.setdefault(file_name, []).append(tuple(rest))
    by_shape: dict[tuple, dict[str, str]] = {}
    out = {}
    for file_name, shape in shapes.items():
        key = tuple(shape)
        if key not in by_shape:
            by_shape[key] = dict(runner.fetch("03_describe_parquet.sql", {"path": file_name}))
        out[file_name] = by_shape[key]
    return out


def _schema_problem(types: dict[str, str]) -> str | None:
    """None when canonical, 'stage' when castable, else what is wrong."""
    missing = [c for c in REQUIRED_COLUMNS if c not in types]
    if missing:
        return f"wrong schema: missing column(s) {', '.join(missing)} (has {', '.join(types)})"
    if types["timestamp"] not in INTEGER_TYPES:
        return f"wrong schema: timestamp is {types['timestamp']}, expected integer epoch seconds"
    if types["tags"] != "VARCHAR[][]":
        return f"wrong schema: tags is {types['tags']}, expected a list of [key, value] text pairs"
    if all(types[c] == t for c, t in CANONICAL_TYPES.items()):
        return None
    return "stage"


def _unreadable(runner: SqlRunner, source: Source, rel: str) -> BadFile:
    if source.stat(rel).size == 0:
        return BadFile(rel, "empty file (0 bytes)")
    return _read_every_column(runner, rel, str(source.local_path(rel))) or BadFile(rel, "unreadable parquet footer")


def find_unreadable(runner: SqlRunner, entries: dict[str, dict[str, Any]]) -> list[BadFile]:
    """Read every column of each file to find the ones whose data pages are broken.

    Only runs after a day's read failed, to name the file(s) responsible.
    """
    found = (_read_every_column(runner, rel, entry["read_path"]) for rel, entry in entries.items())
    return [bad for bad in found if bad]


def _read_every_column(runner: SqlRunner, rel: str, path: str) -> BadFile | None:
    try:
        runner.fetch("06_read_every_column.sql", {"path": path})
    except EtlError as exc:
        return BadFile(rel, f"unreadable parquet: {_duckdb_words(str(exc))}")
    return None


def _entry_from_footer(runner: SqlRunner, source: Source, rel: str, footer: dict[str, Any] | None) -> dict[str, Any]:
    stat, read_path = source.stat(rel), source.read_path(rel)
    if footer is None or footer["missing_stats"] or footer["min_timestamp"] is None:
        return _entry_from_scan(runner, rel, stat, source.local_path(rel), read_path, staged=False)
    days = list(range(footer["min_timestamp"] // SECONDS_PER_DAY, footer["max_timestamp"] // SECONDS_PER_DAY + 1))
    too_early = footer["min_timestamp"] < EARLIEST_TIMESTAMP
    too_late = footer["max_timestamp"] > latest_plausible_timestamp()
    if footer["null_timestamps"] or too_early or too_late or len(days) > 2:
        return _entry_from_scan(runner, rel, stat, source.local_path(rel), read_path, staged=False)
    span = (footer["min_timestamp"], footer["max_timestamp"])
    return _entry(stat, read_path, footer["row_count"], days, span, staged=False)


def _entry_from_scan(
    runner: SqlRunner, rel: str, stat: FileStat, path: Path, read_path: str, *, staged: bool
) -> dict[str, Any]:
    """Index a file by reading it (`path`, a local copy); day builds read `read_path`."""
    try:
        cur = runner.execute(
            "05_scan_file.sql",
            {"path": str(path), "earliest": EARLIEST_TIMESTAMP, "latest": latest_plausible_timestamp()},
            staged=staged,
        )
    except EtlError as exc:
        raise BadFile(rel, f"unreadable: {exc}") from exc
    names = [d[0] for d in cur.description]
    scan = dict(zip(names, cur.fetchone(), strict=True))
    unit = "line" if staged else "row"
    if scan["null_timestamps"]:
        raise BadFile(
            rel,
            f"{scan['null_timestamps']} reading(s) without a valid timestamp, a whole number of epoch seconds "
            f"(first at {unit} {scan['first_null_line']})",
        )
    if scan["out_of_range"]:
        raise BadFile(
            rel,
            f"{scan['out_of_range']} timestamp(s) outside the plausible range 2000-01-01 to now + 1 day "
            f"(first at {unit} {scan['first_out_of_range_line']}: {scan['first_out_of_range_value']})",
        )
    span = (scan["min_timestamp"], scan["max_timestamp"])
    return _entry(stat, read_path, scan["row_count"], scan["epoch_days"] or [], span, staged=staged)


def _entry(
    stat: FileStat, read_path: str, rows: int, days: Iterable[int], span: tuple[Any, Any], *, staged: bool
) -> dict[str, Any]:
    """What the state remembers of an input file. `span` is its first and
    last timestamp: a day that gets a late file is patched from the files
    whose span meets the late readings' time."""
    return {
        **signature(stat),
        "read_path": read_path,
        "staged": staged,
        "rows": int(rows),
        "days": sorted(int(d) for d in days),
        "span": [int(t) for t in span] if rows else None,
    }


def _stage(runner: SqlRunner, source: Source, rel: str, fmt: str, staging: Staging) -> dict[str, Any]:
    stat = source.stat(rel)
    if stat.size == 0:
        raise BadFile(rel, "empty file (0 bytes)")
    path = source.local_path(rel)
    target = staging.target(rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    columns = _csv_header(rel, path) if fmt == "csv" else []
    try:
        runner.execute("04_stage_file.sql", {"source": str(path)}, format=fmt, target=str(tmp), csv_columns=columns)
    except EtlError as exc:
        tmp.unlink(missing_ok=True)
        raise BadFile(rel, f"cannot be read as {fmt.upper()}: {_duckdb_words(str(exc))}") from exc
    os.replace(tmp, target)
    entry = _entry_from_scan(runner, rel, stat, target, str(target), staged=True)
    return {**entry, "read_path": staging.commit(rel, target)}


def staged_name(rel: str) -> str:
    """The file name of an input's staged copy."""
    return hashlib.sha1(rel.encode()).hexdigest()[:16] + ".parquet"


def _csv_header(rel: str, path: Path) -> list[str]:
    """The CSV's column names, checked before DuckDB reads the rows."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadFile(rel, f"cannot be read as CSV: {exc}") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise BadFile(rel, f"wrong schema: missing column(s) {', '.join(missing)} (header: {', '.join(header)})")
    if len(set(header)) != len(header) or any(not c for c in header):
        raise BadFile(rel, f"wrong schema: empty or repeated column names in the header: {', '.join(header)}")
    return header


def _duckdb_words(message: str) -> str:
    """DuckDB's own explanation, without our SQL-file prefix or its list of fixes."""
    message = re.sub(r"^\S+\.sql(, line \d+ of the rendered SQL \(.*?\))?: ", "", message)
    message = message.split("Possible fixes")[0].split("\nLINE ")[0]
    message = " ".join(message.split())
    return message if len(message) <= 300 else message[:297] + "..."
