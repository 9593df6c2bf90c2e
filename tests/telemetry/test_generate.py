"""The bundled sample in data/ is exactly what the generator makes, and looks
like the real export: its schema, re-sends, a second exporter, a late file."""

from __future__ import annotations

import datetime as dt

import duckdb

from etl.core.paths import DATA_DIR
from etl.pipelines.telemetry.generator import generate


def listing(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))


def test_generator_reproduces_the_bundled_sample(tmp_path):
    made = generate(tmp_path, start=dt.date(2024, 6, 5), days=2, preset="sample", seed=7)
    assert listing(tmp_path) == listing(DATA_DIR)
    assert made == {"files": 28, "rows": 102_033}
    con = duckdb.connect()
    for name in listing(DATA_DIR):
        query = "select * from read_parquet($p, file_row_number = true) order by file_row_number"
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


def test_sample_files_are_laid_out_like_the_real_export():
    """Measured on the real export: each file holds its own stretch of time,
    in time order, and re-sends are repeated 5-second blocks within a file;
    only a file's first block repeats the previous file's last one."""
    con = duckdb.connect()
    source = f"read_parquet('{DATA_DIR}/**/*.parquet', filename = true, file_row_number = true)"
    in_order = con.execute(
        f"""
        select
            bool_and(__index_level_0__ = file_row_number),
            bool_and(timestamp // 5 >= previous // 5)
        from (
            select *, lag(timestamp) over (partition by filename order by file_row_number) as previous
            from {source}
        )
        """
    ).fetchone()
    assert in_order == (True, True)
    spread = con.execute(
        f"""
        select count(*) filter (where files > 1) / count(*), avg(copies)
        from (
            select count(distinct filename) as files, count(*) as copies
            from {source}
            group by regexp_extract(filename, 'metrics-(\\d)-', 1), timestamp, payload_type, value, tags
        )
        """
    ).fetchone()
    assert spread[0] < 0.05
    assert 3.5 <= spread[1] <= 4.5
