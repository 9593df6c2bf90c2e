"""The README's DuckDB-shell session runs through the installed shell, from the
project root and from inside the output folder."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from etl.core.paths import DATA_DIR, PROJECT_ROOT
from etl.pipelines.telemetry.pipeline import Settings, run


def readme_session(marker: str = "shell-session") -> str:
    text = (PROJECT_ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {marker} -->\n```sql\n(.*?)```", text, re.S)
    assert match, "README.md has no shell session"
    return match.group(1)


def duckdb_shell() -> str:
    beside = Path(sys.executable).parent / "duckdb"
    found = str(beside) if beside.exists() else shutil.which("duckdb")
    if not found:
        pytest.fail("the DuckDB shell (duckdb-cli from requirements.txt) is not installed")
    return found


def test_shell_version_matches_the_library():
    import duckdb

    out = subprocess.run([duckdb_shell(), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == f"v{duckdb.__version__}"


def test_readme_session_from_the_project_root_and_from_the_output_folder(tmp_path):
    project = tmp_path / "project"
    run(Settings(input=DATA_DIR, output=project / "output", quiet=True))
    shell = duckdb_shell()
    session = readme_session()
    from_root = subprocess.run(
        [shell, "-csv", "output/telemetry.duckdb"], input=session, cwd=project, capture_output=True, text=True
    )
    from_output = subprocess.run(
        [shell, "-csv", "telemetry.duckdb"], input=session, cwd=project / "output", capture_output=True, text=True
    )
    assert (from_root.returncode, from_root.stderr) == (0, "")
    assert from_output.stdout == from_root.stdout
    lines = from_root.stdout.splitlines()
    assert lines[0] == "timestamp,module_voltage,module_current,module_state_of_charge"
    assert [line.split(",")[0] for line in lines[1:4]] == [
        "2024-06-05 06:00:00+00",
        "2024-06-05 06:00:10+00",
        "2024-06-05 06:00:15+00",
    ]
    assert lines[4] == "phase,module,date,voltage_pct"
    assert lines[5:9] == [
        "1,1,2024-06-05,2.17",
        "1,1,2024-06-06,1.96",
        "1,2,2024-06-05,2.17",
        "1,2,2024-06-06,1.96",
    ]
    assert lines[9] == "phase,module,signal,coverage_pct,gap_minutes,gap_from"
    assert lines[10:13] == [f"1,1,cell_voltage__battery_1__cell_{i},0.03,1039,06:20" for i in (1, 2, 3)]
    assert lines[13] == "phase,module,timestamp,spread_mv,cells"
    assert len(lines) == 17
    assert all(line.endswith(",4") for line in lines[14:17])


def test_readme_session_on_a_one_minute_linear_output(tmp_path):
    out = tmp_path / "output"
    run(
        Settings(
            input=DATA_DIR,
            output=out,
            quiet=True,
            every=dt.timedelta(minutes=1),
            fill="linear",
            max_gap=dt.timedelta(minutes=10),
        )
    )
    result = subprocess.run(
        [duckdb_shell(), "-csv", "telemetry.duckdb"],
        input=readme_session("shell-session-every"),
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "timestamp,cell_1_volts",
        "2024-06-05 06:10:00+00,3.832",
        "2024-06-05 06:11:00+00,3.8203",
        "2024-06-05 06:12:00+00,3.8086",
        "2024-06-05 06:13:00+00,3.7969",
        "bucket_seconds,rows_per_day,module_signal_days,coverage_pct",
        "60,1440,80,1.79",
    ]


def test_views_cover_every_dataset(tmp_path):
    out = tmp_path / "output"
    run(Settings(input=DATA_DIR, output=out, quiet=True))
    query = "select table_name from information_schema.tables order by 1; select count(*) from modules;"
    result = subprocess.run(
        [duckdb_shell(), "-csv", "-noheader", "telemetry.duckdb"],
        input=query,
        cwd=out,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == ["modules", "phases", "quality", "quality_cells", "system", str(8 * 17_280)]
