"""A peer for the benchmark: the modules output as a user would write it in
plain Polars (lazy scan, exact dedupe, route by tags, pivot, 5 s grid), to
time the pipeline against, and a check that it gives the pipeline's values.

Per day folder D it scans D's files and D + 1's (the next folder brings the
last minutes before midnight) and keeps the readings of day D; the naming of
the signal columns follows the pipeline's rule (payload type, then
`__<key>_<value>` for battery, sensor, cell and any other tag but phase,
module and message_source=master)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import polars as pl

DAY = 86_400
STEP = 5
RANK = {"battery": "1", "sensor": "2", "cell": "3"}


def day_folders(source: Path) -> list[Path]:
    return sorted(p for p in source.glob("*/*/*") if p.is_dir())


def modules_day(folder: Path, next_folder: Path | None) -> pl.DataFrame:
    """One day's modules grid: phase, module, timestamp and a column per signal."""
    day = dt.date(*(int(part) for part in folder.parts[-3:]))
    start = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if next_folder is not None:
        files += sorted(str(p) for p in next_folder.glob("*.parquet"))
    tag = pl.element()
    raw = (
        pl.scan_parquet(files, missing_columns="insert")
        .select("timestamp", "payload_type", "value", "tags")
        .filter((pl.col("timestamp") >= start) & (pl.col("timestamp") < start + DAY))
        .unique()
    )
    # the tags are parsed once per distinct tag list, not once per reading
    routes = (
        raw.select("tags")
        .unique()
        .with_columns(
            phase=pl.col("tags").list.eval(tag.filter(tag.list.get(0) == "phase").list.get(1)).list.first(),
            module=pl.col("tags").list.eval(tag.filter(tag.list.get(0) == "module").list.get(1)).list.first(),
            # each qualifying tag as "<rank><key>\x01__<key>_<value>", sorted, prefixes dropped
            suffix=pl.col("tags")
            .list.eval(
                pl.when(
                    ~tag.list.get(0).is_in(["phase", "module"])
                    & ~((tag.list.get(0) == "message_source") & (tag.list.get(1) == "master"))
                ).then(
                    tag.list.get(0).replace_strict(RANK, default="9")
                    + tag.list.get(0)
                    + pl.lit("\x01__")
                    + tag.list.get(0)
                    + pl.lit("_")
                    + tag.list.get(1)
                )
            )
            .list.drop_nulls()
            .list.sort()
            .list.eval(pl.element().str.split("\x01").list.get(1))
            .list.join(""),
        )
        .filter(pl.col("phase").is_not_null() & pl.col("module").is_not_null())
    )
    readings = (
        raw.join(routes, on="tags")
        .with_columns(num=pl.col("value").cast(pl.Float64, strict=False))
        .filter(pl.col("num").is_not_null())
        .with_columns(
            signal=pl.col("payload_type") + pl.col("suffix"),
            slot=(pl.col("timestamp") - start) // STEP,
        )
        .group_by("phase", "module", "slot", "signal")
        .agg(pl.col("num").mean())
        .collect()
    )
    wide = readings.pivot(on="signal", index=["phase", "module", "slot"], values="num")
    grid = (
        wide.select("phase", "module")
        .unique()
        .join(pl.DataFrame({"slot": pl.arange(0, DAY // STEP, eager=True)}), how="cross")
    )
    return (
        grid.join(wide, on=["phase", "module", "slot"], how="left")
        .with_columns(timestamp=pl.from_epoch(pl.col("slot") * STEP + start, time_unit="s").dt.replace_time_zone("UTC"))
        .sort("phase", "module", "slot")
    )


def run_peer(source: Path) -> tuple[float, dict[str, pl.DataFrame]]:
    """Every day's modules grid; the wall time."""
    started = time.perf_counter()
    folders = day_folders(source)
    days = {}
    for folder in folders:
        day = dt.date(*(int(part) for part in folder.parts[-3:]))
        nxt = source.joinpath(*(day + dt.timedelta(days=1)).isoformat().split("-"))
        nxt = nxt if nxt.is_dir() else None
        days["-".join(folder.parts[-3:])] = modules_day(folder, nxt)
    return time.perf_counter() - started, days


def compare(days: dict[str, pl.DataFrame], output: Path, limit: int | None = None) -> str:
    """How the peer's values compare with the pipeline's modules files."""
    cells = mismatched = 0
    worst = 0.0
    for date, peer in list(days.items())[:limit]:
        ours = pl.read_parquet(
            str(output / "modules" / "phase=*" / "module=*" / f"date={date}" / "*.parquet"), hive_partitioning=True
        ).with_columns(pl.col("phase").cast(pl.String), pl.col("module").cast(pl.String))
        ours = ours.with_columns(slot=(pl.col("timestamp").dt.epoch("s") % DAY) // STEP).sort("phase", "module", "slot")
        signals = [c for c in peer.columns if c not in ("phase", "module", "slot", "timestamp")]
        missing = [c for c in signals if c not in ours.columns]
        if missing or ours.height != peer.height:
            return f"{date}: different shape (rows {ours.height} vs {peer.height}, columns missing {missing[:3]})"
        joined = peer.join(ours, on=["phase", "module", "slot"], suffix="_ours")
        for c in signals:
            a, b = joined[c], joined[f"{c}_ours"]
            both = a.is_not_null() & b.is_not_null()
            cells += len(a)
            mismatched += int((a.is_null() != b.is_null()).sum())
            if both.any():
                worst = max(worst, float(((a - b).abs() / b.abs().clip(1e-12)).filter(both).max()))
    return (
        f"{cells:,} cells compared, {mismatched} NULL where the other has a value, "
        f"largest relative difference {worst:.1e}"
    )
