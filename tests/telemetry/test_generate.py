"""The bundled sample in data/ is exactly what the generator makes, and looks
like the real export: its schema, re-sends, a second exporter, a late file."""

from __future__ import annotations

import datetime as dt

import duckdb

from etl.paths import DATA_DIR
from etl.telemetry.generate import generate


def listing(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))


def test_generator_reproduces_the_bundled_sample(tmp_path):
    made = generate(tmp_path, start=dt.date(2024, 6, 5), days=2, preset="sample", seed=7)
    assert listing(tmp_path) == listing(DATA_DIR)
    assert made == {"files": 48, "rows": 101_243}
    con = duckdb.connect()
    for name in listing(DATA_DIR):
        query = "select * from read_parquet($p) order by __index_level_0__"
        assert (
            con.execute(query, {"p": str(tmp_path / name)}).fetchall()
            == con.execute(query, {"p": str(DATA_DIR / name)}).fetchall()
        ), name


def test_sample_has_the_real_shape():
    con = duckdb.connect()
    files = f"{DATA_DIR}/**/*.parquet"
    schema = con.execute(f"select column_name, column_type from (describe select * from '{files}')").fetchall()
    assert schema == [
        ("timestamp", "BIGINT"),
        ("payload_type", "VARCHAR"),
        ("value", "VARCHAR"),
        ("tags", "VARCHAR[][]"),
        ("__index_level_0__", "BIGINT"),
    ]
    raw, distinct = con.execute(
        f"select count(*), count(distinct (timestamp, payload_type, value, tags)) from '{files}'"
    ).fetchone()
    assert 0.75 <= 1 - distinct / raw <= 0.9
    exporters = con.execute(
        f"select distinct regexp_extract(filename, 'metrics-(\\d)-', 1) from read_parquet('{files}', filename = true)"
    ).fetchall()
    assert sorted(exporters) == [("1",), ("2",)]
    # a file exported after midnight, filed under 06-06, holds readings of 06-05
    late = con.execute(
        f"select count(*) from read_parquet('{DATA_DIR}/2024/06/06/*.parquet') where timestamp < 1717632000"
    ).fetchone()[0]
    assert late > 0
