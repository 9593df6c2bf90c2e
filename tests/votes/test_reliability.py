"""One run at a time per warehouse, warehouse folders that cannot be made, and
the report's wording."""

from __future__ import annotations

import json
import os

import pytest

from etl.cli import main
from etl.core.locking import OutputLock


def lock_of(db):
    return OutputLock(db.with_name(f".{db.name}.lock"), db)


def lock_error(db) -> str:
    return f"Error: another run is writing to {db} (pid {os.getpid()}); wait for it to finish\n"


def test_an_ingest_while_another_run_writes_stops_and_writes_nothing(tmp_path, capsys):
    db = tmp_path / "w.db"
    with lock_of(db):
        assert main(["votes", "ingest", "--db", str(db)]) == 1
        assert capsys.readouterr() == ("", lock_error(db))
        assert [p.name for p in tmp_path.iterdir()] == [".w.db.lock"]
    assert main(["votes", "ingest", "--db", str(db), "--quiet"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_summary.json", "w.db"]
    summary = (tmp_path / "_summary.json").read_bytes()
    with lock_of(db):
        assert main(["votes", "outliers", "--db", str(db)]) == 1
        assert capsys.readouterr() == ("", lock_error(db))
    assert (tmp_path / "_summary.json").read_bytes() == summary


def test_a_new_warehouse_folder_is_made_and_removed_again_when_the_first_ingest_fails(tmp_path, capsys):
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"Id":"1","note":"caf\xe9"}\n')
    assert main(["votes", "ingest", "--input", str(bad), "--db", str(tmp_path / "new" / "w.db")]) == 1
    assert "valid UTF-8" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latin1.jsonl"]
    assert main(["votes", "ingest", "--db", str(tmp_path / "new" / "w.db"), "--quiet"]) == 0
    assert (tmp_path / "new" / "w.db").is_file()


@pytest.mark.parametrize(
    ("db", "error"),
    [
        ("afile/w.db", "warehouse folder {tmp}/afile exists and is not a folder"),
        ("afile/sub/w.db", "cannot create warehouse folder {tmp}/afile/sub: {tmp}/afile is not a folder"),
        ("/proc/x/w.db", "cannot create warehouse folder /proc/x: No such file or directory"),
    ],
)
def test_a_warehouse_folder_that_cannot_be_made(tmp_path, capsys, db, error):
    (tmp_path / "afile").write_text("not a folder")
    target = db if db.startswith("/") else str(tmp_path / db)
    assert main(["votes", "ingest", "--db", target]) == 1
    assert capsys.readouterr() == ("", f"Error: {error.format(tmp=tmp_path)}\n")


def test_the_report_says_1_file(tmp_path, capsys):
    path = tmp_path / "one.jsonl"
    line = {"Id": "1", "PostId": "1", "VoteTypeId": "2", "CreationDate": "2022-01-03T00:00:00.000"}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    db = tmp_path / "w.db"
    assert main(["votes", "ingest", "--input", str(path), "--db", str(db)]) == 0
    assert capsys.readouterr() == (
        f"1 file ingested into {db}: 1 loaded, 0 skipped as already present, 0 rejected\n",
        "",
    )
