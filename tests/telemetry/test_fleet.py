"""A fleet: one input folder per system, one output folder (with its own
state and summary) per system, all days in one queue. Twenty generated
systems of two days each, on the local cluster and on the local workers,
equal twenty separate runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from etl.cli import main
from etl.core.errors import EtlError
from etl.pipelines.telemetry.generator import generate
from etl.pipelines.telemetry.pipeline import Settings, run

SYSTEMS = [f"system-{n:02d}" for n in range(20)]


def lasting(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in ("started_at", "wall_seconds", "settings")}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> tuple[Path, Path]:
    """Twenty systems' raw files (each its own seed) and, per system, a run over it alone."""
    root = tmp_path_factory.mktemp("fleet")
    raw, alone = root / "raw", root / "alone"
    for n, name in enumerate(SYSTEMS):
        generate(raw / name, start=dt.date(2024, 6, 5), days=2, preset="sample", seed=100 + n)
        run(Settings(input=raw / name, output=alone / name, quiet=True))
    return raw, alone


def assert_equals_separate_runs(out: Path, alone: Path, summary: dict, local_files) -> None:
    assert sorted(summary["systems"]) == SYSTEMS
    for name in SYSTEMS:
        assert local_files(out / name) == local_files(alone / name), name
        own = json.loads((out / name / "_summary.json").read_text())
        separate = json.loads((alone / name / "_summary.json").read_text())
        assert lasting(own) == lasting(separate), name
    written = json.loads((out / "_summary.json").read_text())
    assert written == json.loads(json.dumps(summary, default=str))
    separate_rows = sum(json.loads((alone / n / "_summary.json").read_text())["inputs"]["rows"] for n in SYSTEMS)
    assert summary["inputs"]["rows"] == separate_rows
    assert summary["check"]["left"] == summary["check"]["right"] == separate_rows
    assert [item["path"] for item in summary["inputs"]["by_file"]] == [f"{n}/" for n in SYSTEMS]


def test_a_fleet_on_the_local_cluster_equals_separate_runs(tmp_path, fleet, dask_cluster, local_files):
    raw, alone = fleet
    out = tmp_path / "out"
    summary = run(Settings(input=raw, output=out, quiet=True, fleet=True, cluster=dask_cluster.scheduler_address))
    assert_equals_separate_runs(out, alone, summary, local_files)
    assert all(s["days_written"] == ["2024-06-05", "2024-06-06"] for s in summary["systems"].values())


def test_a_fleet_on_the_local_workers_equals_separate_runs(tmp_path, fleet, local_files, capsys):
    raw, alone = fleet
    out = tmp_path / "out"
    assert main(["--input", str(raw), "--output", str(out), "--fleet"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("telemetry: 20 system(s), 40 day(s) written, 0 unchanged, ")
    summary = json.loads((out / "_summary.json").read_text())
    assert_equals_separate_runs(out, alone, summary, local_files)
    # a second run over the fleet has nothing to do
    again = run(Settings(input=raw, output=out, quiet=True, fleet=True))
    assert all(s["days_written"] == [] and s["days_unchanged"] == 2 for s in again["systems"].values())


def test_a_fleet_on_s3(tmp_path, fleet, s3, published_copy, local_files):
    raw, alone = fleet
    for name in SYSTEMS[:3]:
        s3.upload(raw / name, f"{s3.raw}/fleet/{name}")
    summary = run(Settings(input=f"{s3.raw}/fleet", output=f"{s3.clean}/out", quiet=True, fleet=True))
    assert sorted(summary["systems"]) == SYSTEMS[:3]
    for name in SYSTEMS[:3]:
        assert published_copy(f"{s3.clean}/out/{name}", tmp_path) == local_files(alone / name)


def test_a_fleet_without_system_folders_is_an_error(tmp_path):
    (tmp_path / "raw").mkdir()
    with pytest.raises(EtlError, match=r"no system folders \(a fleet's input holds <system_id>/YYYY/MM/DD/...\)"):
        run(Settings(input=tmp_path / "raw", output=tmp_path / "out", quiet=True, fleet=True))
