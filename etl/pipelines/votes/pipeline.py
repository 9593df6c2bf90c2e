"""The votes warehouse: `ingest` loads JSON-lines vote exports into
`blog_analysis.votes` without ever duplicating a vote; `outliers`
(re)creates the view `blog_analysis.outlier_weeks` and reads it.

The two actions never run each other's steps: ingestion does not touch the
view, the outliers action does not load or create tables. All the logic
(parsing, validation, deduplication, the outlier rule) is in `sql/votes/`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.core.files import discover
from etl.core.locking import locked_output
from etl.core.paths import SAMPLES_DIR, WORK_ROOT
from etl.core.summary import RunClock, check_balance, run_summary, write_summary

PIPELINE = "votes"
DEFAULT_DB = WORK_ROOT / "warehouse.db"
DEFAULT_INPUT = SAMPLES_DIR / "votes"
SUFFIXES = (".jsonl", ".ndjson")

CREATE_STEPS = ("01_create_schema.sql", "02_create_votes.sql", "03_create_rejects.sql")
LOAD_STEPS = ("04_stage_lines.sql", "05_classify_lines.sql", "06_insert_rejects.sql", "07_insert_votes.sql")
COUNT_STEPS = ("08_count_lines.sql", "09_count_files.sql", "10_count_tables.sql")
OUTLIER_STEPS = ("11_find_votes_table.sql", "12_create_outlier_weeks.sql", "13_select_outlier_weeks.sql")
STEPS = {PIPELINE: CREATE_STEPS + LOAD_STEPS + COUNT_STEPS + OUTLIER_STEPS}


@dataclass
class Settings:
    """`ingest` loads `input` (a JSON-lines file or a folder of them) into `db`;
    `outliers` recreates the outlier-weeks view in `db` and reads it."""

    action: Literal["ingest", "outliers"] = "ingest"
    input: Path = DEFAULT_INPUT
    db: Path = DEFAULT_DB
    threads: int | None = None
    memory_limit: str | None = None
    quiet: bool = True


@dataclass(frozen=True)
class IngestCounts:
    """What one ingestion did with the input's non-blank lines."""

    loaded: int
    present: int
    rejected: int


@dataclass(frozen=True)
class Ingested:
    counts: IngestCounts
    by_file: list[tuple]  # rows of 09_count_files.sql
    tables: dict[str, int]


def run(settings: Settings) -> dict[str, Any]:
    """Run the action; returns its summary. `ingest` also writes it as
    `_summary.json` beside the warehouse; `outliers` changes no data and
    writes none, so that file stays the last load's."""
    if settings.action == "ingest":
        return run_ingest(settings)
    if settings.action == "outliers":
        return run_outliers(settings)
    raise EtlError(f"unknown votes action {settings.action!r}: use ingest or outliers")


def run_ingest(settings: Settings) -> dict[str, Any]:
    """One ingest (or outliers run) at a time per warehouse: a second one stops
    with an error naming the warehouse, before it opens it. Without the lock a
    run that found no warehouse could, failing, delete the one another run
    had just made."""
    clock = RunClock()
    paths = input_files(settings.input)
    db = Path(settings.db)
    with warehouse_lock(db):
        new_warehouse = not db.exists()
        con = connect(db, threads=settings.threads, memory_limit=settings.memory_limit)
        try:
            done = load(con, paths)
        except BaseException:
            con.close()
            if new_warehouse:  # a failed first load leaves no empty warehouse behind
                for leftover in (db, db.with_name(db.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise
        con.close()
        summary = ingest_summary(settings, clock, paths, done)
        write_summary(db.parent, summary)
    return summary


def warehouse_lock(db: Path) -> AbstractContextManager[Path]:
    """The warehouse's folder (made if missing), locked by `.<name>.lock` beside the warehouse file."""
    return locked_output(db.parent, f".{db.name}.lock", what="warehouse folder", output=db)


def ingest_summary(settings: Settings, clock: RunClock, paths: list[Path], done: Ingested) -> dict[str, Any]:
    staged: dict[str, int] = {str(p): 0 for p in paths}
    rejects: dict[str, int] = {}
    for file, lines_read, status, reason_kind, lines in done.by_file:
        staged[file] = lines_read
        if status == "rejected":
            rejects[reason_kind] = rejects.get(reason_kind, 0) + lines
    counts = done.counts
    accounted = counts.loaded + counts.present + counts.rejected
    return run_summary(
        PIPELINE,
        clock,
        settings,
        inputs=[{"path": file, "rows": n} for file, n in staged.items()],
        rows_out={"blog_analysis.votes": counts.loaded, "already present": counts.present},
        rejects=dict(sorted(rejects.items())),
        outputs=[{"path": str(settings.db), "table": t, "rows": n} for t, n in done.tables.items()],
        check=check_balance("non-blank lines = loaded + present + rejected", sum(staged.values()), accounted),
        counts={"loaded": counts.loaded, "present": counts.present, "rejected": counts.rejected},
    )


def run_outliers(settings: Settings) -> dict[str, Any]:
    clock = RunClock()
    if not Path(settings.db).is_file():
        raise EtlError(f"warehouse not found: {settings.db} (run `votes ingest` first)")
    with warehouse_lock(Path(settings.db)):
        con = connect(settings.db, threads=settings.threads, memory_limit=settings.memory_limit)
        try:
            rows = outlier_weeks(con, str(settings.db))
        finally:
            con.close()
    weeks = [{"year": y, "week": w, "votes": n} for y, w, n in rows]
    return run_summary(
        PIPELINE,
        clock,
        settings,
        inputs=[],
        rows_out={"blog_analysis.outlier_weeks": len(rows)},
        rejects={},
        outputs=[{"path": str(settings.db), "table": "blog_analysis.outlier_weeks", "rows": len(rows)}],
        check=None,  # reads only: no row moves
        weeks=weeks,
    )


def ingest(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> IngestCounts:
    """Load `paths` into the warehouse in one transaction; the lines' fates."""
    return load(con, paths).counts


def load(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> Ingested:
    """Load `paths` into the warehouse in one transaction.

    Either every file's new votes and rejects are committed together or,
    on any failure, nothing is: the warehouse stays as it was.
    """
    runner = SqlRunner(con, PIPELINE)
    params = {"paths": [str(p) for p in paths]}
    con.begin()
    try:
        for step in CREATE_STEPS:
            runner.execute(step)
        for step in LOAD_STEPS:
            runner.execute(step, params)
        [(loaded, present, rejected)] = runner.fetch("08_count_lines.sql")
        by_file = runner.fetch("09_count_files.sql")
        tables = dict(runner.fetch("10_count_tables.sql"))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return Ingested(IngestCounts(loaded=loaded, present=present, rejected=rejected), by_file, tables)


def outlier_weeks(con: duckdb.DuckDBPyConnection, where: str = "the warehouse") -> list[tuple[int, int, int]]:
    """Recreate the view (so it always matches the shipped SQL) and read it.

    `where` names the warehouse in the error when it has no votes table.
    """
    runner = SqlRunner(con, PIPELINE)
    [(found,)] = runner.fetch("11_find_votes_table.sql")
    if not found:
        raise EtlError(f"{where} has no table blog_analysis.votes: run `votes ingest` first")
    runner.execute("12_create_outlier_weeks.sql")
    return runner.fetch("13_select_outlier_weeks.sql")


def input_files(root: Path) -> list[Path]:
    """The JSON-lines files to ingest, as absolute paths (the rejects table
    names them, and a file must be the same file whatever the working folder)."""
    files = discover(root, SUFFIXES)
    if not files:
        raise EtlError(f"no {' or '.join(SUFFIXES)} files under {root}")
    return [f.resolve() for f in files]
