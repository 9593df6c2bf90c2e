"""`pip install .` gives a working package: the SQL and the samples inside it,
its pinned dependencies, and an `etl` command that runs from any folder;
`python -m etl` works in the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from etl.core.paths import PROJECT_ROOT, SAMPLES_DIR, SQL_DIR


def sh(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(folder), ".",
       cwd=PROJECT_ROOT)  # fmt: skip
    [built] = folder.glob("etl-*.whl")
    return built


def test_the_wheel_carries_the_sql_the_samples_and_the_command(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    sql = {f"etl/sql/{p.relative_to(SQL_DIR).as_posix()}" for p in SQL_DIR.rglob("*.sql")}
    samples = {f"etl/samples/{p.relative_to(SAMPLES_DIR).as_posix()}" for p in SAMPLES_DIR.rglob("*") if p.is_file()}
    samples = {n for n in samples if not n.endswith(".py")}
    assert sql <= names and samples <= names
    assert "etl/cli.py" in names and "etl/pipelines/telemetry/scheduling.py" in names
    [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
    requires = [line.split(": ", 1)[1] for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
                if line.startswith("Requires-Dist: ")]  # fmt: skip
    pins = [line for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines() if line and line[0] != "#"]
    assert sorted(r.replace(" ", "") for r in requires) == sorted(pins)
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "etl = etl.cli:console" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_command_runs_from_any_folder(wheel, tmp_path):
    """Installed beside the test's own packages, the `etl` command reads its
    SQL and samples from the installed package and writes into the working folder."""
    target = tmp_path / "site"
    sh(sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel), cwd=tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = sh(sys.executable, "-c", "from etl.core import paths; print(paths.SQL_DIR, paths.IN_CHECKOUT)",
               cwd=work, env=env)  # fmt: skip
    assert where.stdout.split() == [str(target / "etl" / "sql"), "False"]
    usage = sh(str(target / "bin" / "etl"), "--help", cwd=work, env=env)
    assert usage.stdout.startswith("usage: etl [-h] COMMAND ...")
    done = sh(str(target / "bin" / "etl"), "votes", "ingest", cwd=work, env=env)
    assert done.stdout.startswith("2 files ingested into warehouse.db: 964 loaded, 40 skipped as already present")
    assert sorted(p.name for p in work.iterdir()) == ["_summary.json", "warehouse.db"]


def test_python_dash_m_etl(tmp_path):
    done = sh(sys.executable, "-m", "etl", "generate-telemetry", "--output", str(tmp_path / "raw"), "--days", "1",
              cwd=PROJECT_ROOT)  # fmt: skip
    assert done.stdout.startswith("generate-telemetry: ")
    usage = sh(sys.executable, "-m", "etl", "--help", cwd=PROJECT_ROOT)
    assert usage.stdout.startswith("usage: python -m etl [-h] COMMAND ...")
