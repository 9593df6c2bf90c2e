"""Bad input: a clear error naming the file (and row or line) by default, or,
with --on-bad-file skip, the file quarantined, listed, and the rest processed."""

from __future__ import annotations

import os

import duckdb
import pytest

from etl.core.errors import EtlError

DAY = 1_717_545_600
M11 = [["phase", "1"], ["module", "1"], ["message_source", "master"]]
GOOD = [(DAY, "module_voltage", "1", M11), (DAY, "module_voltage", "1", M11), (DAY + 5, "module_voltage", "2", M11)]
SKIP_HINT = "; use --on-bad-file skip to quarantine bad files and go on"


def truncated(folder, write):
    path = write(folder / "bad.parquet", GOOD * 50)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path, "unreadable parquet: Invalid Input Error: No magic bytes found at end of file '{path}'"


def empty(folder, write):
    path = folder / "bad.parquet"
    path.write_bytes(b"")
    return path, "empty file (0 bytes)"


def corrupt_pages(folder, write):
    path = write(folder / "bad.parquet", [(DAY + k, "module_voltage", str(k), M11) for k in range(3000)])
    data = bytearray(path.read_bytes())
    for k in range(200, 2000):
        data[k] = (data[k] * 7 + 13) % 256
    path.write_bytes(bytes(data))
    return path, ('unreadable parquet: Invalid Input Error: Failed to read file "{path}": Snappy decompression failure')


def wrong_schema(folder, write):
    path = folder / "bad.parquet"
    duckdb.sql(f"copy (select 1717545600::bigint as timestamp, 'x' as payload_type, '1' as value) to '{path}'")
    return path, "wrong schema: missing column(s) tags (has timestamp, payload_type, value)"


def csv_broken_line(folder, write):
    path = write(folder / "bad.csv", GOOD, fmt="csv")
    lines = path.read_text().splitlines()
    lines.insert(2, '1717545601,module_voltage,2,"[]",extra')
    path.write_text("\n".join(lines) + "\n")
    return path, (
        "cannot be read as CSV: Invalid Input Error: CSV Error on Line: 3 Original Line: 1717545601,module_voltage,"
        '2,"[]",extra Expected Number of Columns: 4 Found: 5'
    )


def csv_missing_column(folder, write):
    path = folder / "bad.csv"
    path.write_text("timestamp,payload,value,tags\n1717545600,module_voltage,1,[]\n")
    return path, "wrong schema: missing column(s) payload_type (header: timestamp, payload, value, tags)"


def non_numeric(folder, write):
    rows = [(DAY + 1, "module_voltage", "2", M11), (DAY + 2, "module_voltage", "abc", M11)]
    path = write(folder / "bad.parquet", rows)
    return path, (
        "1 non-numeric value(s) in numeric signals, first at row 2: module_voltage = 'abc' "
        "(a text signal? add it with --text-signals)"
    )


def non_numeric_csv(folder, write):
    rows = [(DAY + 1, "module_voltage", "2", M11), (DAY + 2, "module_voltage", "n/a", M11)]
    path = write(folder / "bad.csv", rows, fmt="csv")
    return path, (
        "1 non-numeric value(s) in numeric signals, first at line 3: module_voltage = 'n/a' "
        "(a text signal? add it with --text-signals)"
    )


def far_timestamps(folder, write):
    rows = [(DAY + 1, "module_voltage", "2", M11), (0, "module_voltage", "3", M11)]
    path = write(folder / "bad.parquet", rows)
    return path, "1 timestamp(s) outside the plausible range 2000-01-01 to now + 1 day (first at row 2: 0)"


def malformed_json(folder, write):
    path = folder / "bad.jsonl"
    path.write_text('{"timestamp": 1717545601, "payload_type": "x", "value": "1", "tags": []}\n{"timestamp": 17\n')
    return path, (
        'cannot be read as JSON: Invalid Input Error: Malformed JSON in file "{path}", '
        "at byte 18 in line 3: unexpected end of data."
    )


def csv_fractional_timestamp(folder, write):
    path = write(folder / "bad.csv", [*GOOD, (DAY, "module_voltage", "3", M11)], fmt="csv")
    path.write_text(path.read_text().replace(f"{DAY},module_voltage,3", f"{DAY}.5,module_voltage,3"))
    return path, "1 reading(s) without a valid timestamp, a whole number of epoch seconds (first at line 5)"


def csv_tags_not_json(folder, write):
    path = write(folder / "bad.csv", GOOD, fmt="csv")
    path.write_text(path.read_text() + f"{DAY + 5},module_voltage,2,phase=1;module=1\n")
    return path, (
        "cannot be read as CSV: Invalid Input Error: line 5: tags are not a JSON list of [key, value] pairs: "
        "phase=1;module=1"
    )


def json_tags_not_pairs(folder, write):
    path = folder / "bad.jsonl"
    path.write_text(f'{{"timestamp": {DAY}, "payload_type": "x", "value": "1", "tags": {{"phase": 1}}}}\n')
    return path, (
        "cannot be read as JSON: Invalid Input Error: line 1: tags are not a JSON list of [key, value] pairs: "
        '{{"phase":1}}'
    )


def broken_link(folder, write):
    path = folder / "bad.parquet"
    path.symlink_to(folder / "gone.parquet")
    return path, "a broken symbolic link (to {folder}/gone.parquet, which does not exist)"


def link_loop(folder, write):
    path = folder / "bad.parquet"
    (folder / "loop.txt").symlink_to(path)
    path.symlink_to(folder / "loop.txt")
    return path, "a symbolic link loop"


def fifo(folder, write):
    path = folder / "bad.parquet"
    os.mkfifo(path)
    return path, "not a regular file (a FIFO)"


CASES = [
    truncated,
    empty,
    corrupt_pages,
    wrong_schema,
    csv_broken_line,
    csv_missing_column,
    non_numeric,
    non_numeric_csv,
    far_timestamps,
    malformed_json,
    csv_fractional_timestamp,
    csv_tags_not_json,
    json_tags_not_pairs,
    broken_link,
    link_loop,
    fifo,
]


@pytest.mark.parametrize("make_bad", CASES, ids=[c.__name__ for c in CASES])
def test_bad_file_stops_the_run_with_its_name_and_reason(tmp_path, write_readings, run_pipeline, make_bad):
    folder = tmp_path / "input"
    write_readings(folder / "good.parquet", GOOD)
    path, reason = make_bad(folder, write_readings)
    with pytest.raises(EtlError) as caught:
        run_pipeline()
    assert str(caught.value) == f"{path}: {reason.format(path=path, folder=folder)}{SKIP_HINT}"
    assert not (tmp_path / "output" / "modules").exists() or make_bad in (non_numeric, non_numeric_csv)


@pytest.mark.parametrize("make_bad", CASES, ids=[c.__name__ for c in CASES])
def test_bad_file_is_quarantined_with_skip(tmp_path, write_readings, run_pipeline, make_bad):
    folder = tmp_path / "input"
    write_readings(folder / "good.parquet", GOOD)
    path, reason = make_bad(folder, write_readings)
    summary = run_pipeline(on_bad_file="skip")
    assert summary["quarantined"] == [{"file": path.name, "reason": reason.format(path=path, folder=folder)}]
    assert summary["run"]["newly_quarantined"] == summary["quarantined"]
    assert summary["inputs"]["files"] == 1
    assert summary["totals"]["rows_read"] == 3
    assert summary["totals"]["placed"]["modules"] == 2
    got = duckdb.sql(
        f"select count(module_voltage) from read_parquet('{tmp_path}/output/modules/**/*.parquet')"
    ).fetchone()
    assert got == (2,)
    # the quarantine is remembered: an unchanged rerun neither re-reads nor fails
    again = run_pipeline(on_bad_file="fail")
    assert again["quarantined"] == summary["quarantined"]
    assert again["run"]["files_indexed"] == 0


def test_fixing_a_quarantined_file_brings_it_back(tmp_path, write_readings, run_pipeline):
    folder = tmp_path / "input"
    write_readings(folder / "good.parquet", GOOD)
    bad, _ = non_numeric(folder, write_readings)
    run_pipeline(on_bad_file="skip")
    write_readings(bad, [(DAY + 10, "module_voltage", "7", M11)])
    summary = run_pipeline()
    assert summary["quarantined"] == []
    assert summary["totals"]["placed"]["modules"] == 3
