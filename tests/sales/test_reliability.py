"""One run at a time per lakehouse, output folders that cannot be made, and the
command's help and report wording."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.cli import build_parser, main
from etl.core.locking import OutputLock
from etl.core.paths import PROJECT_ROOT
from etl.pipelines.sales.pipeline import LOCK_NAME
from etl.pipelines.sales.tables import TABLES, open_store


def lock_error(folder) -> str:
    return f"Error: another run is writing to {folder} (pid {os.getpid()}); wait for it to finish\n"


@pytest.mark.parametrize("table_format", ["delta", "iceberg"])
def test_a_run_while_another_writes_stops_and_writes_nothing(sample_input, tmp_path, capsys, table_format):
    out = tmp_path / "out"
    args = ["sales", "--input", str(sample_input), "--output", str(out), "--format", table_format]
    with OutputLock(out / table_format / LOCK_NAME, out / table_format):
        assert main(args) == 1
        assert capsys.readouterr() == ("", lock_error(out / table_format))
        assert [p.name for p in (out / table_format).iterdir()] == [LOCK_NAME]
    assert main([*args, "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [table_format]
    assert LOCK_NAME not in [p.name for p in (out / table_format).iterdir()]


def test_two_first_runs_at_once_never_both_write(sample_input, tmp_path):
    """Before the lock, both runs exited 0 in about 4 of 14 tries, and
    bronze.sales held every row twice: every later run then failed."""
    out = tmp_path / "out"
    command = [sys.executable, "etl_process.py", "sales", "--input", str(sample_input), "--output", str(out)]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    runs = [subprocess.Popen(command, cwd=PROJECT_ROOT, **pipes) for _ in range(2)]
    errors = [run.communicate()[1] for run in runs]
    results = [(run.returncode, err) for run, err in zip(runs, errors, strict=True)]
    for code, err in results:
        assert code == 0 or (code == 1 and "another run is writing to" in err), err
    assert any(code == 0 for code, _ in results)
    store = open_store(out, "delta")
    assert {spec.label: store.read(spec).num_rows for spec in TABLES if spec.layer == "bronze"} == {
        "bronze.sales": 405,
        "bronze.customers": 200,
    }
    done = subprocess.run([*command, "--quiet"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")


def test_an_output_that_cannot_be_a_folder(sample_input, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    assert main(["sales", "--input", str(sample_input), "--output", str(afile)]) == 1
    err = capsys.readouterr().err
    assert err == f"Error: cannot create lakehouse folder {afile / 'delta'}: {afile} is not a folder\n"
    assert main(["sales", "--input", str(sample_input), "--output", "/proc/x"]) == 1
    assert capsys.readouterr().err == (
        "Error: cannot create lakehouse folder /proc/x/delta: No such file or directory\n"
    )


def test_the_report_says_1_row_not_1_rows(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(
        pa.table({"customer_id": ["C100001"], "gender": ["Female"], "age": [30], "payment_method": ["Cash"]}),
        folder / "customers.parquet",
    )
    (folder / "sales.csv").write_text(
        "invoice_no,customer_id,category,quantity,price,invoice_date,shopping_mall\n"
        "I100001,C100001,Books,2,30.3,05-08-2022,Kanyon\n"
    )
    assert main(["sales", "--input", str(folder), "--output", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "customers: 1 row in bronze = 1 in silver + 0 quarantined",
        "sales: 1 row in bronze = 1 in silver + 0 quarantined",
        "bronze.sales: 1 inserted, 0 updated, 0 deleted (version None -> 0)",
    ]


def test_the_help_is_wrapped_like_the_other_commands():
    parser = next(
        action.choices["sales"] for action in build_parser()._actions if hasattr(action, "choices") and action.choices
    )
    lines = parser.description.splitlines()
    assert len(lines) > 1
    assert max(len(line) for line in lines) <= 100
