"""Every command's failures, swept: the one `Error:` line says what went wrong
in the project's words, never a Python exception's class name (which means
a failure nobody named), and never the `--verbose` hint of that fallback."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from etl.cli import main
from etl.core.paths import DATA_DIR, SAMPLES_DIR

RAW_EXCEPTION = re.compile(r"^Error: (?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Interrupt|Exit)\b")
DAY = 1_717_545_600


def parquet(path, rows):
    """Long-format telemetry rows (timestamp, payload_type, value, tags) as parquet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("create table r (timestamp bigint, payload_type varchar, value varchar, tags varchar[][])")
    con.executemany("insert into r values (?, ?, ?, ?)", rows)
    con.execute(f"copy r to '{path}' (format parquet)")
    con.close()
    return path


def telemetry_input(tmp_path, name, make):
    folder = tmp_path / name
    parquet(folder / "good.parquet", [(DAY, "module_voltage", "1", [["phase", "1"], ["module", "1"]])])
    make(folder)
    return ["telemetry", "--input", str(folder), "--output", str(tmp_path / f"{name}_out")]


def cases(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    missing = str(tmp_path / "missing")
    bad = {}
    m11 = [["phase", "1"], ["module", "1"]]
    bad["telemetry: broken link"] = telemetry_input(
        tmp_path, "link", lambda f: (f / "x.parquet").symlink_to(f / "gone.parquet")
    )
    bad["telemetry: link loop"] = telemetry_input(
        tmp_path,
        "loop",
        lambda f: ((f / "a.parquet").symlink_to(f / "b.parquet"), (f / "b.parquet").symlink_to(f / "a.parquet")),
    )
    bad["telemetry: truncated parquet"] = telemetry_input(
        tmp_path, "trunc", lambda f: (f / "t.parquet").write_bytes((f / "good.parquet").read_bytes()[:100])
    )
    bad["telemetry: tags not JSON"] = telemetry_input(
        tmp_path, "csv", lambda f: (f / "t.csv").write_text(f"timestamp,payload_type,value,tags\n{DAY},v,1,phase=1\n")
    )
    bad["telemetry: non-numeric"] = telemetry_input(
        tmp_path, "text", lambda f: parquet(f / "t.parquet", [(DAY, "module_voltage", "abc", m11)])
    )
    bad["telemetry: own column names"] = telemetry_input(
        tmp_path, "names", lambda f: parquet(f / "t.parquet", [(DAY, "date", "x", m11)])
    )
    bad["telemetry: missing input"] = ["telemetry", "--input", missing, "--output", str(tmp_path / "o1")]
    bad["telemetry: output is a file"] = ["telemetry", "--input", str(DATA_DIR), "--output", str(afile)]
    bad["telemetry: output under /proc"] = ["telemetry", "--input", str(DATA_DIR), "--output", "/proc/x"]
    bad["plot: no output"] = ["plot", "--output", missing]
    bad["telemetry-files: no output"] = ["telemetry-files", "--output", missing]
    bad["generate-telemetry: output is a file"] = ["generate-telemetry", "--output", str(afile)]
    bad["votes ingest: missing input"] = ["votes", "ingest", "--input", missing, "--db", str(tmp_path / "v.duckdb")]
    bad["votes ingest: db is a folder"] = [
        "votes",
        "ingest",
        "--input",
        str(SAMPLES_DIR / "votes"),
        "--db",
        str(tmp_path),
    ]
    bad["votes outliers: no warehouse"] = ["votes", "outliers", "--db", str(tmp_path / "none.duckdb")]
    bad["spending: missing input"] = ["spending", "--input", missing, "--output", str(tmp_path / "s1")]
    ragged = tmp_path / "ragged"
    shutil.copytree(SAMPLES_DIR / "spending", ragged)
    with open(ragged / "customers.csv", "a") as fh:
        fh.write("1,2,3,4,5,6,7\n")
    bad["spending: ragged row"] = ["spending", "--input", str(ragged), "--output", str(tmp_path / "s2")]
    bad["spending: output is a file"] = ["spending", "--input", str(SAMPLES_DIR / "spending"), "--output", str(afile)]
    empty = tmp_path / "failures_empty"
    shutil.copytree(SAMPLES_DIR / "failures", empty)
    (empty / "equipment.json").write_text("")
    bad["failures: empty equipment.json"] = ["failures", "--input", str(empty), "--output", str(tmp_path / "f1")]
    bad["failures: missing input"] = ["failures", "--input", missing, "--output", str(tmp_path / "f2")]
    bad["sales: missing input"] = ["sales", "--input", missing, "--output", str(tmp_path / "l1")]
    bad["sales: output is a file"] = ["sales", "--input", str(SAMPLES_DIR / "sales"), "--output", str(afile)]
    return bad


def test_no_error_line_is_a_raw_exception(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    failures = {}
    for name, argv in cases(tmp_path).items():
        code = main([*argv, "--quiet"])
        err = capsys.readouterr().err
        errors = [line for line in err.splitlines() if line.startswith("Error:")]
        if code != 1 or len(errors) != 1 or RAW_EXCEPTION.match(errors[0]) or "--verbose" in errors[0]:
            failures[name] = (code, err)
    assert failures == {}


@pytest.mark.parametrize(
    "line",
    [
        "Error: TypeError: quote_from_bytes() expected bytes (run with --verbose for the traceback)",
        "Error: OSError: [Errno 36] File name too long: 'x'",
        "Error: duckdb.IOException: IO Error: x",
        "Error: KeyboardInterrupt",
    ],
)
def test_the_pattern_catches_raw_exceptions(line):
    assert RAW_EXCEPTION.match(line)
