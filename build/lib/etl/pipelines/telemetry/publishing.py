"""Publishing: move a built day's files into the output folder, one atomic
rename each, record the day in the state, and keep the DuckDB views over
the outputs (telemetry.duckdb) in step."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.pipelines.telemetry.days import BuiltDay
from etl.pipelines.telemetry.state import WORK_DIR, State
from etl.pipelines.telemetry.summary import RunReport

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings


def publish_day(state: State, output: Path, built: BuiltDay, report: RunReport) -> None:
    job, stats = built.job, built.stats
    publish(state, output, job.date, job.inputs, built.written, built.rows, stats)
    report.built[job.date] = (stats, bool(job.patch))


def publish(
    state: State,
    output: Path,
    date: str,
    inputs: dict[str, list[int]],
    written: dict[Path, str],
    rows: dict[Path, int],
    stats: dict[str, Any],
) -> None:
    """Move the day's files into place, one atomic rename each.

    The state first forgets what made the day, so a run killed halfway
    through the moves rebuilds the whole day next time.
    """
    old = state.days.get(date, {}).get("outputs", [])
    new = sorted(written.values())
    state.days[date] = {"inputs": None, "outputs": sorted(set(old) | set(new))}
    state.save_day(date)
    for path, name in written.items():
        final = output / name
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, final)
    delete_outputs(output, [o for o in old if o not in set(new)])
    state.days[date] = {
        "inputs": inputs,
        "outputs": new,
        "rows": {name: rows[path] for path, name in written.items()},
        "stats": stats,
    }
    state.save_day(date)


VIEWS = {
    "modules": "modules/phase=*/module=*/date=*/*.parquet",
    "phases": "phases/phase=*/date=*/*.parquet",
    "system": "system/date=*/*.parquet",
    "rejects": "_rejects/date=*/*.parquet",
}

HOURLY_MODULES = "*_*/[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/[0-9][0-9].parquet"


def write_views(output: Path, state: State, settings: Settings) -> None:
    """Write output/telemetry.duckdb: views over the outputs for the DuckDB shell.

    View paths are relative, so the folder can move (a container mount, a
    copy); a link named like the folder, pointing to the folder itself, lets
    the same paths work from the folder's parent and from inside the folder.
    """
    prefix = output.name
    link = output / prefix
    if not link.is_symlink():
        if link.exists():
            raise EtlError(f"{link} exists and is not the link to its folder that the views need")
        link.symlink_to(".", target_is_directory=True)
    written = {name for record in state.days.values() for name in record.get("outputs", [])}
    views = dict(VIEWS)
    if settings.layout == "hourly":
        views["modules"] = HOURLY_MODULES
    wanted = sorted(v for v, pattern in views.items() if any(_matches(name, pattern) for name in written))
    target = output / "telemetry.duckdb"
    if target.exists() and state.views == {"prefix": prefix, "views": wanted, "layout": settings.layout}:
        return
    work = output / WORK_DIR
    tmp = work / "telemetry.duckdb.tmp"
    tmp.unlink(missing_ok=True)
    con = connect(tmp)
    try:
        # The views keep their relative paths; this only lets them bind here.
        runner = SqlRunner(con, "telemetry")
        runner.execute("25_set_file_search_path.sql", folder=str(output.parent))
        for view in wanted:
            pattern = views[view]
            hourly = settings.layout == "hourly" and view == "modules"
            runner.execute("26_create_view.sql", view=view, prefix=prefix, pattern=pattern, hourly=hourly)
    finally:
        con.close()
    os.replace(tmp, target)
    state.views = {"prefix": prefix, "views": wanted, "layout": settings.layout}
    state.save()


def _matches(name: str, pattern: str) -> bool:
    return PurePosixPath(name).match(pattern)


def delete_outputs(output: Path, names: list[str]) -> None:
    for name in names:
        path = output / name
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != output and parent.exists() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
