"""Run every pipeline on every bundled sample and on ../shared/data with two
revisions of the project, and compare what they wrote.

    python scripts/compare_outputs.py                 # base 19ce601 against the working tree
    python scripts/compare_outputs.py --base HEAD~3   # any revision
    python scripts/compare_outputs.py --only telemetry-sample,votes-real

The base revision is checked out with `git worktree` into a temporary folder
and run with this interpreter (so both use the same packages). Both trees run
the same commands; then, case by case:

- parquet, CSV, PNG and JSON-lines files must be byte-identical;
- Delta and Iceberg data files are named by UUID, so each table's data files
  are compared as a multiset of content hashes (the logs and metadata carry
  timestamps and ids and are left out);
- DuckDB database files are compared by content: every table's rows (sorted)
  and every view's definition;
- run summaries are compared as JSON: every field of the base summary must be
  in the new one with the same value (the new one may add fields), apart from
  the fields that say when the run was and how long it took; a summary file
  that was renamed is matched by the RENAMED table;
- the commands' standard output must be equal once durations are masked.

Exit status 0 when every case matches, 1 otherwise (each difference printed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared" / "data"
DEFAULT_BASE = "19ce601"
# The fields of a summary that differ between any two runs.
VOLATILE = {"started_at", "wall_seconds", "ingested_at", "batch_id", "summary_file"}
# Iceberg versions are random snapshot ids; Delta's are counters and compared.
SNAPSHOT_IDS = {"version", "previous_version"}
# Summary files the restructuring renamed: base name -> new name, per case folder.
RENAMED = {
    "failures_summary.json": "_summary.json",
    "delta/last_run.json": "delta/_summary.json",
    "iceberg/last_run.json": "iceberg/_summary.json",
}
# Sales stamps every bronze row with the run's time: both trees get this one.
FIXED_NOW = "2026-01-02T03:04:05+00:00"
SALES = """
import datetime as dt, sys
from pathlib import Path
now = dt.datetime.fromisoformat(sys.argv[4])
inp, out, fmt = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
try:
    from etl.pipelines.sales import Settings, run
except ImportError:
    from etl.pipelines.sales import load_sales
    load_sales(inp, out, fmt, now=now)
else:
    run(Settings(input=inp, output=out, format=fmt, now=now))
"""


@dataclass(frozen=True)
class Case:
    name: str
    # Each command is a list of arguments for `python`, with {tree}, {out} and {shared} filled in.
    commands: tuple[tuple[str, ...], ...]
    needs_shared: bool = False


def cases() -> list[Case]:
    etl = ("etl_process.py",)
    return [
        Case("telemetry-sample", ((*etl, "--input", "data", "--output", "{out}", "--quiet"),
                                  (*etl, "plot", "--output", "{out}", "--quiet"))),
        Case("telemetry-sample-hourly", ((*etl, "--input", "data", "--output", "{out}", "--layout", "hourly"),)),
        Case("telemetry-sample-forward", ((*etl, "--input", "data", "--output", "{out}", "--fill", "forward",
                                           "--max-gap", "1m"),)),
        Case("telemetry-real", ((*etl, "--input", "{shared}/telemetry", "--output", "{out}"),
                                (*etl, "--input", "{shared}/telemetry", "--output", "{out}"),
                                (*etl, "plot", "--output", "{out}", "--quiet", "--date", "2024-06-18")), True),
        Case("generate-telemetry", ((*etl, "generate-telemetry", "--output", "{out}", "--days", "3", "--quiet"),)),
        Case("votes-sample", ((*etl, "votes", "ingest", "--db", "{out}/warehouse.db"),
                              (*etl, "votes", "ingest", "--db", "{out}/warehouse.db"),
                              (*etl, "votes", "outliers", "--db", "{out}/warehouse.db"))),
        Case("votes-real", ((*etl, "votes", "ingest", "--input", "{shared}/votes", "--db", "{out}/warehouse.db"),
                            (*etl, "votes", "outliers", "--db", "{out}/warehouse.db")), True),
        Case("spending-sample", ((*etl, "spending", "--output", "{out}", "--currency", "EUR"),)),
        Case("spending-real", ((*etl, "spending", "--input", "{shared}/spending", "--output", "{out}"),), True),
        Case("failures-sample", ((*etl, "failures", "--output", "{out}", "--env-file", "{out}/none.env"),)),
        Case("failures-real", ((*etl, "failures", "--input", "{shared}/failures", "--output", "{out}",
                                "--env-file", "{out}/none.env", "--from", "2019-12-01", "--to", "2020-04-01"),), True),
        Case("sales-sample-delta", (("-c", SALES, "samples/sales", "{out}", "delta", FIXED_NOW),)),
        Case("sales-sample-iceberg", (("-c", SALES, "samples/sales", "{out}", "iceberg", FIXED_NOW),)),
        Case("sales-real-delta", (("-c", SALES, "{shared}/sales", "{out}", "delta", FIXED_NOW),), True),
        Case("sales-real-iceberg", (("-c", SALES, "{shared}/sales", "{out}", "iceberg", FIXED_NOW),), True),
    ]  # fmt: skip


def run_case(case: Case, tree: Path, out: Path) -> str:
    """Run the case's commands in `tree`; returns their standard output."""
    out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PYTHONPATH"] = str(tree)
    printed = []
    for command in case.commands:
        args = [a.format(tree=tree, out=out, shared=SHARED) for a in command]
        done = subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{case.name} in {tree}: {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        printed.append(done.stdout)
    return "".join(printed)


def masker(tree: Path, out: Path) -> Callable[[str], str]:
    """Hides what differs between the two trees' runs: their folders, today's times, durations."""
    today = dt.date.today()

    def mask(text: str) -> str:
        text = text.replace(str(out), "<out>").replace(str(tree), "<tree>")
        text = re.sub(rf"datetime\.datetime\({today.year}, {today.month}, {today.day}, [^)]*\)", "<today>", text)
        return re.sub(r"\d+(\.\d+)? s\b", "<n> s", text)

    return mask


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_contents(root: Path) -> dict[str, object]:
    """Every Delta and Iceberg table under `root`: its current rows (sorted),
    how many data files hold them, and how many versions it has."""
    tables: dict[str, object] = {}
    for log in sorted(root.rglob("_delta_log")):
        from deltalake import DeltaTable

        table = DeltaTable(str(log.parent))
        rows = sorted(map(repr, table.to_pyarrow_table().to_pylist()))
        tables[log.parent.relative_to(root).as_posix()] = (rows, len(table.file_uris()), table.version())
    for catalog in sorted(root.rglob("catalog.db")):
        from pyiceberg.catalog.sql import SqlCatalog

        warehouse = catalog.parent / "warehouse"
        cat = SqlCatalog("cmp", uri=f"sqlite:///{catalog}", warehouse=warehouse.as_uri())
        for namespace in cat.list_namespaces():
            for ident in cat.list_tables(namespace):
                table = cat.load_table(ident)
                rows = sorted(map(repr, table.scan().to_arrow().to_pylist()))
                files = len(table.inspect.files())
                tables[".".join(ident)] = (rows, files, len(table.snapshots()))
    return tables


def in_table_store(rel: str) -> bool:
    return (
        rel.split("/")[0] in ("delta", "iceberg")
        and not rel.endswith("_summary.json")
        and not rel.endswith("last_run.json")
    )


def duckdb_content(path: Path, mask: Callable[[str], str]) -> dict:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        content = {}
        for schema, name, kind, sql in con.execute(
            "select schema_name, table_name, 'table', null from duckdb_tables() "
            "union all select schema_name, view_name, 'view', sql from duckdb_views() where not internal "
            "order by all"
        ).fetchall():
            if kind == "view":
                content[f"view {schema}.{name}"] = mask(sql)
            else:
                rows = con.execute(f'select * from "{schema}"."{name}"').fetchall()
                content[f"table {schema}.{name}"] = sorted(mask(repr(r)) for r in rows)
        return content
    finally:
        con.close()


def summary_diff(base: dict, new: dict, where: str = "") -> list[str]:
    """Fields of `base` missing from `new` or different there."""
    problems = []
    for key, value in base.items():
        if key in VOLATILE or (key in SNAPSHOT_IDS and isinstance(value, int) and value > 2**32):
            continue
        path = f"{where}.{key}" if where else key
        if key not in new:
            problems.append(f"{path}: missing")
        elif isinstance(value, dict) and isinstance(new[key], dict):
            problems.extend(summary_diff(value, new[key], path))
        elif value != new[key] and not (key == "settings" or where.endswith("settings")):
            problems.append(f"{path}: {value!r} != {new[key]!r}")
    return problems


def is_summary(rel: str) -> bool:
    return rel.endswith(("_summary.json", "last_run.json"))


def compare(base: Path, new: Path, masks: dict[Path, Callable[[str], str]]) -> list[str]:
    problems: list[str] = []

    def files(root: Path) -> dict[str, Path]:
        found = {}
        for p in root.rglob("*"):
            rel = p.relative_to(root).as_posix()
            if p.is_file() and not p.is_symlink() and ".telemetry/" not in rel + "/" and not in_table_store(rel):
                found[rel] = p
        return found

    old_files, new_files = files(base), files(new)
    for rel, path in sorted(old_files.items()):
        target = RENAMED.get(rel, rel) if RENAMED.get(rel) in new_files else rel
        if target not in new_files:
            problems.append(f"{rel}: not written by the new tree")
            continue
        other = new_files[target]
        if is_summary(rel):
            old_json = json.loads(masks[base](path.read_text()))
            new_json = json.loads(masks[new](other.read_text()))
            problems.extend(f"{rel}: {p}" for p in summary_diff(old_json, new_json))
        elif rel.endswith((".duckdb", ".db")):
            if duckdb_content(path, masks[base]) != duckdb_content(other, masks[new]):
                problems.append(f"{rel}: database content differs")
        elif rel.endswith(".wal"):
            continue
        elif digest(path) != digest(other):
            problems.append(f"{rel}: bytes differ")
    new_only = set(new_files) - set(old_files) - {RENAMED[o] for o in old_files if o in RENAMED}
    problems.extend(f"{rel}: new file" for rel in sorted(new_only) if not is_summary(rel) and not rel.endswith(".wal"))
    old_tables, new_tables = table_contents(base), table_contents(new)
    for table in sorted(set(old_tables) | set(new_tables)):
        if old_tables.get(table) != new_tables.get(table):
            problems.append(f"{table}: table content differs (rows, data files or versions)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default=DEFAULT_BASE, help="the revision to compare against")
    parser.add_argument("--only", help="comma-separated case names")
    parser.add_argument("--keep", type=Path, help="write the outputs here and keep them")
    args = parser.parse_args(argv)
    chosen = cases()
    if args.only:
        names = set(args.only.split(","))
        chosen = [c for c in chosen if c.name in names]
    if not SHARED.exists():
        print(f"note: {SHARED} not found: the real-data cases are left out")
        chosen = [c for c in chosen if not c.needs_shared]
    work = args.keep or Path(tempfile.mkdtemp(prefix="compare-outputs-"))
    base_tree = work / "base-tree"
    if base_tree.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=PROJECT_ROOT, check=False)
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(base_tree), args.base], cwd=PROJECT_ROOT, check=True
    )
    failed = 0
    try:
        for case in chosen:
            outs, masks = {}, {}
            for label, tree in (("base", base_tree), ("new", PROJECT_ROOT)):
                out = work / label / case.name
                shutil.rmtree(out, ignore_errors=True)
                masks[out] = masker(tree, out)
                outs[label] = (out, masks[out](run_case(case, tree, out)))
            problems = compare(outs["base"][0], outs["new"][0], masks)
            if outs["base"][1] != outs["new"][1]:
                problems.append(f"standard output differs:\n{outs['base'][1]}---\n{outs['new'][1]}")
            count = sum(1 for _ in outs["new"][0].rglob("*") if _.is_file())
            print(f"{case.name}: {'identical' if not problems else 'DIFFERENT'} ({count} files)")
            for problem in problems:
                print(f"    {problem}")
            failed += bool(problems)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=PROJECT_ROOT, check=False)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{len(chosen) - failed} of {len(chosen)} cases identical")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
