"""Ingestion: typed rows, no duplicates ever, rejects with file/line/reason,
one transaction."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from etl.core.engine import SqlRunner
from etl.core.errors import EtlError
from etl.pipelines.votes.pipeline import IngestCounts, ingest


def vote(vote_id: int | str, day: str = "2022-01-03", post: int = 1, vote_type: int | str = 2, **extra: str) -> str:
    """One export line, every value a JSON string as in the real export."""
    row = {"Id": str(vote_id), "PostId": str(post), "VoteTypeId": str(vote_type), "CreationDate": f"{day}T00:00:00.000"}
    row.update(extra)
    return json.dumps(row, separators=(",", ":"))


def votes_table(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select * from blog_analysis.votes order by Id").fetchall()


def rejects_table(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select file, line_number, raw_text, reason from blog_analysis.votes_rejects order by file, line_number"
    ).fetchall()


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_lines_become_typed_rows(warehouse, write_lines):
    path = write_lines(
        "a.jsonl",
        [
            vote(1, "2022-01-02", post=7, vote_type=2),
            vote(2, "2022-01-09", post=7, vote_type=8, UserId="-1", BountyAmount="50"),
            '{"Id": 3, "PostId": 8, "VoteTypeId": 5, "CreationDate": "2022-01-10T13:45:30.250", "UserId": 42}',
        ],
    )

    assert ingest(warehouse, [path]) == IngestCounts(loaded=3, present=0, rejected=0)
    assert votes_table(warehouse) == [
        (1, 7, 2, day("2022-01-02 00:00:00"), None, None),
        (2, 7, 8, day("2022-01-09 00:00:00"), -1, 50),
        (3, 8, 5, day("2022-01-10 13:45:30.250"), 42, None),
    ]
    assert rejects_table(warehouse) == []


def test_ingesting_the_same_file_twice_changes_nothing(warehouse, write_lines):
    path = write_lines("a.jsonl", [vote(1), vote(2), "{broken"])

    first = ingest(warehouse, [path])
    table, rejects = votes_table(warehouse), rejects_table(warehouse)
    second = ingest(warehouse, [path])

    assert first == IngestCounts(loaded=2, present=0, rejected=1)
    assert second == IngestCounts(loaded=0, present=2, rejected=1)
    assert votes_table(warehouse) == table
    assert rejects_table(warehouse) == rejects == [(str(path), 3, "{broken", "invalid JSON")]


def test_overlapping_files_in_one_run_and_across_runs(warehouse, write_lines):
    a = write_lines("a.jsonl", [vote(1), vote(2), vote(3)])
    b = write_lines("b.jsonl", [vote(2), vote(3), vote(4)])
    c = write_lines("c.jsonl", [vote(4), vote(5)])

    assert ingest(warehouse, [a, b]) == IngestCounts(loaded=4, present=2, rejected=0)
    assert ingest(warehouse, [b, c]) == IngestCounts(loaded=1, present=4, rejected=0)
    assert [row[0] for row in votes_table(warehouse)] == [1, 2, 3, 4, 5]
    assert warehouse.execute("select count(*), count(distinct Id) from blog_analysis.votes").fetchall() == [(5, 5)]


def test_same_id_with_different_content_keeps_the_stored_vote(warehouse, write_lines):
    first = write_lines("first.jsonl", [vote(1, "2022-01-03", post=10)])
    later = write_lines("later.jsonl", [vote(1, "2022-01-04", post=10), vote(1, "2022-01-03", post=10)])

    ingest(warehouse, [first])
    assert ingest(warehouse, [later]) == IngestCounts(loaded=0, present=1, rejected=1)
    assert votes_table(warehouse) == [(1, 10, 2, day("2022-01-03 00:00:00"), None, None)]
    assert rejects_table(warehouse) == [
        (
            str(later),
            1,
            vote(1, "2022-01-04", post=10),
            "Id 1 is already in blog_analysis.votes with different content",
        )
    ]


def test_same_id_with_different_content_in_one_input_keeps_the_first_line(warehouse, write_lines):
    a = write_lines("a.jsonl", [vote(9, "2022-01-03"), vote(9, "2022-01-03")])
    b = write_lines("b.jsonl", [vote(9, "2022-01-03", UserId="5")])

    assert ingest(warehouse, [a, b]) == IngestCounts(loaded=1, present=1, rejected=1)
    assert votes_table(warehouse) == [(9, 1, 2, day("2022-01-03 00:00:00"), None, None)]
    assert rejects_table(warehouse) == [
        (
            str(b),
            1,
            vote(9, "2022-01-03", UserId="5"),
            f"Id 9 conflicts with {a} line 1 (different content)",
        )
    ]


def test_a_null_field_equals_a_missing_one(warehouse, write_lines):
    path = write_lines("a.jsonl", [vote(1), '{"Id":"1","PostId":"1","VoteTypeId":"2","CreationDate":'
                                              '"2022-01-03T00:00:00.000","UserId":null}'])  # fmt: skip

    assert ingest(warehouse, [path]) == IngestCounts(loaded=1, present=1, rejected=0)


MALFORMED = [
    pytest.param("{broken", "invalid JSON", id="bad-json"),
    pytest.param('{"Id":"1"} trailing', "invalid JSON", id="trailing-text"),
    pytest.param('["1","1","2"]', "not a JSON object", id="array"),
    pytest.param('{"PostId":"1","VoteTypeId":"2","CreationDate":"2022-01-03"}', "missing Id", id="no-id"),
    pytest.param('{"Id":null,"PostId":"1","VoteTypeId":"2","CreationDate":"2022-01-03"}', "missing Id", id="null-id"),
    pytest.param(vote("abc"), 'Id is not an integer: "abc"', id="text-id"),
    pytest.param(vote("1.5"), 'Id is not an integer: "1.5"', id="decimal-id"),
    pytest.param(vote("1e3"), 'Id is not an integer: "1e3"', id="exponent-id"),
    pytest.param(vote(""), 'Id is not an integer: ""', id="empty-id"),
    pytest.param(vote("99999999999999999999"), 'Id is not an integer: "99999999999999999999"', id="huge-id"),
    pytest.param(
        '{"Id":2.0,"PostId":"1","VoteTypeId":"2","CreationDate":"2022-01-03"}',
        'Id is not an integer: "2.0"',
        id="json-float-id",
    ),
    pytest.param('{"Id":"1","VoteTypeId":"2","CreationDate":"2022-01-03"}', "missing PostId", id="no-post"),
    pytest.param(vote(1, vote_type="x"), 'VoteTypeId is not an integer: "x"', id="text-type"),
    pytest.param('{"Id":"1","PostId":"1","VoteTypeId":"2"}', "missing CreationDate", id="no-date"),
    pytest.param(vote(1, "2022-02-30"), 'CreationDate is not a timestamp: "2022-02-30T00:00:00.000"', id="feb-30"),
    pytest.param(
        '{"Id":"1","PostId":"1","VoteTypeId":"2","CreationDate":"yesterday"}',
        'CreationDate is not a timestamp: "yesterday"',
        id="words-date",
    ),
    pytest.param(
        '{"Id":"1","PostId":"1","VoteTypeId":"2","CreationDate":"2022-01-03T10:00:00+02:00"}',
        'CreationDate is not a timestamp: "2022-01-03T10:00:00+02:00"',
        id="offset-date",
    ),
    pytest.param(vote(1, UserId="bob"), 'UserId is not an integer: "bob"', id="text-user"),
    pytest.param(vote(1, BountyAmount="50.5"), 'BountyAmount is not an integer: "50.5"', id="decimal-bounty"),
]


@pytest.mark.parametrize(("line", "reason"), MALFORMED)
def test_each_kind_of_malformed_line_is_rejected_with_its_line_number(warehouse, write_lines, line, reason):
    path = write_lines("mixed.jsonl", [vote(1), line, vote(2)])

    assert ingest(warehouse, [path]) == IngestCounts(loaded=2, present=0, rejected=1)
    assert [row[0] for row in votes_table(warehouse)] == [1, 2]
    assert rejects_table(warehouse) == [(str(path), 2, line, reason)]


def test_blank_lines_are_skipped_and_crlf_is_read_and_numbering_holds(warehouse, write_lines):
    path = write_lines("crlf.jsonl", [vote(1), "", "   ", vote(2), "{bad"], end="\r\n")

    assert ingest(warehouse, [path]) == IngestCounts(loaded=2, present=0, rejected=1)
    assert rejects_table(warehouse) == [(str(path), 5, "{bad", "invalid JSON")]


def test_a_byte_order_mark_at_the_start_is_not_part_of_the_first_line(warehouse, tmp_path):
    """It rejected the first vote as invalid JSON. Only the file's start: a
    mark inside a line is still a broken line."""
    path = tmp_path / "bom.jsonl"
    path.write_bytes(("\ufeff" + vote(1) + "\r\n" + vote(2) + "\r\n\ufeff" + vote(3) + "\r\n").encode("utf-8"))

    assert ingest(warehouse, [path]) == IngestCounts(loaded=2, present=0, rejected=1)
    assert [row[0] for row in votes_table(warehouse)] == [1, 2]
    assert rejects_table(warehouse) == [(str(path), 3, "\ufeff" + vote(3), "invalid JSON")]


def test_last_line_without_newline_is_read(warehouse, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(vote(1) + "\n" + vote(2), encoding="utf-8")

    assert ingest(warehouse, [path]) == IngestCounts(loaded=2, present=0, rejected=0)


def test_a_failure_leaves_the_warehouse_as_it_was(warehouse, write_lines, monkeypatch):
    good = write_lines("good.jsonl", [vote(1)])
    ingest(warehouse, [good])
    before = votes_table(warehouse), rejects_table(warehouse)
    later = write_lines("later.jsonl", [vote(2), "{bad"])

    real_execute = SqlRunner.execute

    def fail_at_votes(self, name, *args, **kwargs):
        if name == "07_insert_votes.sql":  # rejects are already inserted by now
            raise EtlError("boom")
        return real_execute(self, name, *args, **kwargs)

    monkeypatch.setattr(SqlRunner, "execute", fail_at_votes)
    with pytest.raises(EtlError, match="boom"):
        ingest(warehouse, [later])

    assert (votes_table(warehouse), rejects_table(warehouse)) == before


def test_a_file_that_is_not_utf8_is_an_error_naming_it(warehouse, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(vote(1).encode() + b"\n" + '{"Id":"2","note":"caf\xe9"}'.encode("latin-1") + b"\n")

    with pytest.raises(EtlError, match=r"sql/votes/04_stage_lines\.sql: .*latin1\.jsonl"):
        ingest(warehouse, [path])
    assert warehouse.execute("select count(*) from duckdb_tables() where schema_name = 'blog_analysis'").fetchall() == [
        (0,)
    ]


def test_run_writes_the_summary_beside_the_warehouse(tmp_path, write_lines):
    from etl.pipelines.votes import Settings, run

    first = write_lines("a.jsonl", [vote(1), vote(2), "{broken", vote("x")])
    write_lines("b.jsonl", [vote(2), vote(1, post=9), "", vote(3, day="2022-13-01")])
    db = tmp_path / "wh" / "warehouse.db"
    db.parent.mkdir()

    returned = run(Settings(input=first.parent, db=db))

    written = json.loads((db.parent / "_summary.json").read_text())
    assert written == json.loads(json.dumps(returned))
    assert written["pipeline"] == "votes"
    assert written["settings"]["action"] == "ingest"
    assert written["inputs"] == {
        "files": 2,
        "rows": 7,
        "by_file": [{"path": str(first), "rows": 4}, {"path": str(first.parent / "b.jsonl"), "rows": 3}],
    }
    assert written["rows_out"] == {"blog_analysis.votes": 2, "already present": 1}
    assert written["rejects"] == {
        "CreationDate is not a timestamp": 1,
        "Id is not an integer": 1,
        "Id repeated with different content": 1,
        "invalid JSON": 1,
    }
    assert written["outputs"] == [
        {"path": str(db), "table": "blog_analysis.votes", "rows": 2},
        {"path": str(db), "table": "blog_analysis.votes_rejects", "rows": 4},
    ]
    assert written["check"] == {"rule": "non-blank lines = loaded + present + rejected", "left": 7, "right": 7}


def test_outliers_writes_no_summary(tmp_path, write_lines):
    from etl.pipelines.votes import Settings, run

    path = write_lines("a.jsonl", [vote(1)])
    db = tmp_path / "warehouse.db"
    run(Settings(input=path, db=db))
    before = (tmp_path / "_summary.json").read_text()

    summary = run(Settings(action="outliers", db=db))

    assert summary["weeks"] == []
    assert summary["check"] is None
    assert (tmp_path / "_summary.json").read_text() == before
