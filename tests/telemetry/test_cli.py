"""The telemetry command through main(argv) and as a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from etl.cli import main
from etl.core.paths import DATA_DIR, PROJECT_ROOT


def test_default_command_runs_telemetry_and_prints_one_line(tmp_path, capsys):
    code = main(["--input", str(DATA_DIR), "--output", str(tmp_path / "out"), "--threads", "2"])
    assert code == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("telemetry: 2 day(s) written, 0 unchanged, 102,033 rows read, 84,926 duplicates removed,")
    summary = json.loads((tmp_path / "out/_summary.json").read_text())
    assert summary["totals"]["rows_read"] == 102_033


def test_the_line_counts_patched_days(tmp_path, capsys):
    """The sample's second folder starts with the first day's last minutes."""
    shutil.copytree(DATA_DIR / "2024/06/05", tmp_path / "in/2024/06/05")
    args = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--threads", "2"]
    assert main(args) == 0
    shutil.copytree(DATA_DIR / "2024/06/06", tmp_path / "in/2024/06/06")
    capsys.readouterr()
    assert main(args) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("telemetry: 2 day(s) written (1 patched), 0 unchanged, 102,033 rows read, 84,926 duplicates")
    summary = json.loads((tmp_path / "out/_summary.json").read_text())
    assert summary["run"]["days_patched"] == ["2024-06-05"]


def test_quiet_prints_nothing(tmp_path, capsys):
    assert main(["telemetry", "--input", str(DATA_DIR), "--output", str(tmp_path / "out"), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_missing_input_is_one_error_line_and_exit_1(tmp_path, capsys):
    code = main(["--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out")])
    assert code == 1
    captured = capsys.readouterr()
    assert captured.err == f"Error: input folder not found: {tmp_path / 'nope'}\n"
    assert "Traceback" not in captured.err


def test_verbose_shows_the_traceback(tmp_path, capsys):
    code = main(["--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out"), "--verbose"])
    assert code == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.endswith(f"Error: input folder not found: {tmp_path / 'nope'}\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--layout", "daily"], "argument --layout: invalid choice: 'daily'"),
        (["--fill", "forward", "--max-gap", "soon"], "argument --max-gap: not a duration: 'soon'"),
        (["--threads", "0"], "argument --threads: must be at least 1, not 0"),
        (
            ["--every", "7s"],
            "argument --every: '7s': the grid step must divide a day (86,400 s) into whole buckets; 7 s does not",
        ),
        (["--every", "2.5s"], "argument --every: '2.5s': the grid step must be a whole number of seconds, not 2.5 s"),
        (["--every", "often"], "argument --every: not a duration: 'often'"),
        (
            ["--every", "2h", "--layout", "hourly"],
            "argument --every: --layout hourly needs a grid step dividing an hour (3,600 s); 7200 s does not",
        ),
        (["--fill", "cubic"], "argument --fill: invalid choice: 'cubic'"),
    ],
)
def test_bad_usage_exits_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["telemetry", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_as_a_subprocess_with_exit_codes(tmp_path):
    ok = subprocess.run(
        [sys.executable, "etl_process.py", "--input", "data/", "--output", str(tmp_path / "out"), "--quiet"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    assert (tmp_path / "out/modules/phase=2/module=2/date=2024-06-06/data_0.parquet").exists()

    failed = subprocess.run(
        [sys.executable, "etl_process.py", "--input", str(tmp_path / "missing"), "--output", str(tmp_path / "o")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (failed.returncode, failed.stdout) == (1, "")
    assert failed.stderr == f"Error: input folder not found: {tmp_path / 'missing'}\n"

    usage = subprocess.run(
        [sys.executable, "etl_process.py", "--layout", "weekly"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert usage.returncode == 2


@pytest.mark.parametrize("command", [["telemetry", "--input", str(DATA_DIR)], ["generate-telemetry"]])
def test_an_output_that_cannot_be_a_folder_is_named(tmp_path, capsys, command):
    afile = tmp_path / "afile"
    afile.write_text("x")
    cases = {
        "/proc/x": "Error: cannot create output folder /proc/x: No such file or directory\n",
        str(afile): f"Error: output folder {afile} exists and is not a folder\n",
        str(afile / "sub"): f"Error: cannot create output folder {afile / 'sub'}: {afile} is not a folder\n",
    }
    for output, message in cases.items():
        assert main([*command, "--output", output]) == 1
        assert capsys.readouterr().err == message
