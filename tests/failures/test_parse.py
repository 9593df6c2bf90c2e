"""The DuckDB parsing SQL, given exact input lines: exactly these staged rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from etl.core.engine import SqlRunner, connect
from etl.pipelines.failures.lines import read_line_chunks

NOT_A_READING = 'not a reading line: expected "[YYYY-MM-DD hh:mm:ss] LEVEL sensor[N]: (name value, ...)"'


def parse(tmp_path: Path, data: bytes, sql: str, stage: str, *, chunk_size: int = 100) -> list[tuple]:
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    con = connect()
    runner = SqlRunner(con, "failures")
    rows = []
    for chunk in read_line_chunks(path, chunk_size):
        con.register("raw_lines", chunk)
        runner.execute(sql, {"source_file": "f"})
        rows += con.execute(f"select * exclude (source_file) from {stage} order by line_no").fetchall()
    return rows


def test_log_lines_edge_cases(tmp_path: Path) -> None:
    data = (
        b"[2019-12-10 10:46:09]\tERROR\tsensor[5]:\t(temperature\t365.26, vibration\t-6305.32)\r\n"
        b"  [2020-01-02 03:04:05]   error  sensor[ 7 ] :  ( Temperature -1.5 ,vibration  -2 )  \r\n"
        b"[2020-01-02 03:04:05]\tINFO\tsensor[7]:\t(pressure\t3)\n"
        b"[2020-01-02 03:04:05]\tINFO\tsensor[8]:\t()\r\n"
        b"2020-01-02 system restarted\r\n"
        b"\r\n"
        b"[2020-13-02 03:04:05]\tERROR\tsensor[7]:\t(temperature\t1)\r\n"
        b"[2020-01-02 03:04:06]\tERROR\tsensor[7]:\t(temperature\tabc)\r\n"
        b"[2020-01-02 03:04:07]\tERROR\tsensor[7]:\t(temperature\t1, TEMPERATURE\t2)\r\n"
        b"[2020-01-02 03:04:08]\tERROR\tsensor[7]:\t(temperature)\r\n"
        b"[2020-01-02 03:04:09]\tERROR\tsensor[99999999999]:\t(temperature\t1)\r\n"
        b"[2019-12-10 10:46:09]\tERROR\tsensor[5]:\t(temperature\t365.26, vibration\t-6305.32)\r\n"
        b"[2019-12-10 10:46:09]\tERROR\tsensor[5]:\t(temperature\t365.26, vibration\t0)\r\n"
        b"[2019-12-10 10:46:09]\tERROR\tsensor[5]:\t(temperature\t\xff)"
    )
    t = dt.datetime
    kept = ("ERROR", 5, 365.26, -6305.32, {"temperature": "365.26", "vibration": "-6305.32"})
    assert parse(tmp_path, data, "03_parse_lines.sql", "stage_lines") == [
        (1, data.split(b"\r\n")[0].decode(), t(2019, 12, 10, 10, 46, 9), *kept, None),
        (
            2,
            "  [2020-01-02 03:04:05]   error  sensor[ 7 ] :  ( Temperature -1.5 ,vibration  -2 )  ",
            t(2020, 1, 2, 3, 4, 5),
            "ERROR",
            7,
            -1.5,
            -2.0,
            {"temperature": "-1.5", "vibration": "-2"},
            None,
        ),
        (3, "[2020-01-02 03:04:05]\tINFO\tsensor[7]:\t(pressure\t3)", t(2020, 1, 2, 3, 4, 5), "INFO", 7,
         None, None, {"pressure": "3"}, None),
        (4, "[2020-01-02 03:04:05]\tINFO\tsensor[8]:\t()", t(2020, 1, 2, 3, 4, 5), "INFO", 8, None, None, {}, None),
        (5, "2020-01-02 system restarted", None, "", None, None, None, {}, NOT_A_READING),
        (6, "", None, "", None, None, None, {}, "empty line"),
        (7, "[2020-13-02 03:04:05]\tERROR\tsensor[7]:\t(temperature\t1)", None, "ERROR", 7, 1.0, None,
         {"temperature": "1"}, 'invalid timestamp "2020-13-02 03:04:05"'),
        (8, "[2020-01-02 03:04:06]\tERROR\tsensor[7]:\t(temperature\tabc)", t(2020, 1, 2, 3, 4, 6), "ERROR", 7,
         None, None, {"temperature": "abc"}, 'temperature "abc" is not a number'),
        (9, "[2020-01-02 03:04:07]\tERROR\tsensor[7]:\t(temperature\t1, TEMPERATURE\t2)", t(2020, 1, 2, 3, 4, 7),
         "ERROR", 7, 1.0, None, None, "a measurement name appears twice"),
        (10, "[2020-01-02 03:04:08]\tERROR\tsensor[7]:\t(temperature)", t(2020, 1, 2, 3, 4, 8), "ERROR", 7,
         None, None, None, 'measurement "temperature" is not "name value"'),
        (11, "[2020-01-02 03:04:09]\tERROR\tsensor[99999999999]:\t(temperature\t1)", t(2020, 1, 2, 3, 4, 9),
         "ERROR", None, 1.0, None, {"temperature": "1"}, "sensor id 99999999999 is too large"),
        (12, data.split(b"\r\n")[0].decode(), t(2019, 12, 10, 10, 46, 9), *kept, "duplicate of f line 1"),
        (13, "[2019-12-10 10:46:09]\tERROR\tsensor[5]:\t(temperature\t365.26, vibration\t0)",
         t(2019, 12, 10, 10, 46, 9), "ERROR", 5, 365.26, 0.0, {"temperature": "365.26", "vibration": "0"},
         "conflicts with f line 1 (same sensor, time and level)"),
        (14, "[2019-12-10 10:46:09]\tERROR\tsensor[5]:\t(temperature\t\\xff)", t(2019, 12, 10, 10, 46, 9),
         "ERROR", 5, None, None, {"temperature": "\\xff"}, "not valid UTF-8 (byte 53)"),
    ]  # fmt: skip


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 100])
def test_line_chunks_keep_numbers_and_bytes(tmp_path: Path, chunk_size: int) -> None:
    path = tmp_path / "x.log"
    path.write_bytes(b"\xef\xbb\xbfa\r\nb\n\nc\x00d\r\nlast")
    rows = [
        row for chunk in read_line_chunks(path, chunk_size) for row in zip(*chunk.to_pydict().values(), strict=True)
    ]
    assert rows == [
        (1, "a\r", None),
        (2, "b", None),
        (3, "", None),
        (4, "c\\x00d\r", "contains a NUL byte"),
        (5, "last", None),
    ]
    assert [len(chunk) for chunk in read_line_chunks(path, chunk_size)] == (
        [1] * 5 if chunk_size == 1 else [2, 2, 1] if chunk_size == 2 else [3, 2] if chunk_size == 3 else [5]
    )


def test_sensor_lines(tmp_path: Path) -> None:
    data = b"equipment_id;sensor_id\r\n4;1\r\n 8 ; 2 \r\n4;1\r\n5;1\r\n\r\nx;3\r\n1;2;3\r\n1;99999999999\r\n"
    assert parse(tmp_path, data, "02_parse_sensors.sql", "stage_sensors") == [
        (2, "4;1", 1, 4, None),
        (3, " 8 ; 2 ", 2, 8, None),
        (4, "4;1", 1, 4, None),
        (5, "5;1", 1, 5, "sensor 1 is mapped to equipment 4 at line 2"),
        (6, "", None, None, "empty line"),
        (7, "x;3", None, None, 'not an "equipment_id;sensor_id" line of two whole numbers'),
        (8, "1;2;3", None, None, 'not an "equipment_id;sensor_id" line of two whole numbers'),
        (9, "1;99999999999", None, 1, "equipment_id or sensor_id is too large"),
    ]


def test_equipment_items(tmp_path: Path) -> None:
    items = [
        {"equipment_id": 1, "code": "A1", "group_name": "G"},
        {"equipment_id": "2", "code": "B", "group_name": "G"},
        {"equipment_id": 3, "code": "", "group_name": "G"},
        {"equipment_id": 4, "code": "D"},
        {"equipment_id": 1, "code": "A2", "group_name": "G"},
        {"equipment_id": 6, "code": "A1", "group_name": "G"},
        {"equipment_id": 1, "code": "A1", "group_name": "G"},
    ]
    path = tmp_path / "e.json"
    path.write_text(json.dumps(items))
    con = connect()
    SqlRunner(con, "failures").execute("01_read_equipment.sql", {"path": path, "source_file": "e.json"})
    rows = con.execute("select * exclude (source_file, raw_text) from stage_equipment order by line_no").fetchall()
    assert rows == [
        (1, 1, "A1", "G", None),
        (2, 2, "B", "G", "equipment_id is missing or not a positive whole number"),
        (3, 3, "", "G", "code is missing or empty"),
        (4, 4, "D", None, "group_name is missing or empty"),
        (5, 1, "A2", "G", "equipment_id 1 says otherwise at item 1"),
        (6, 6, "A1", "G", "code A1 is already used by item 1"),
        (7, 1, "A1", "G", None),
    ]
    assert con.execute("select raw_text from stage_equipment where line_no = 4").fetchall() == [
        ('{"equipment_id":4,"code":"D"}',)
    ]
