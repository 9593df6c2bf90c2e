"""The engine: quoting, the SQL runner's rendering, binding and errors, the connection."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.core.engine import SqlRunner, connect, parse_size, quote_identifier, quote_literal
from etl.core.errors import EtlError

text = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1)


@settings(deadline=None, max_examples=60)
@given(text)
def test_any_identifier_round_trips(name):
    con = connect()
    con.execute(f"create table t ({quote_identifier(name)} integer)")
    assert con.execute("select column_name from information_schema.columns").fetchone() == (name,)


@settings(deadline=None, max_examples=60)
@given(st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))))
def test_any_string_literal_round_trips(value):
    assert connect().execute(f"select {quote_literal(value)}").fetchone() == (value,)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (42, 42),
        (1.5, 1.5),
        (dt.date(2024, 6, 5), dt.date(2024, 6, 5)),
        (dt.datetime(2024, 6, 5, 12, 0), dt.datetime(2024, 6, 5, 12, 0)),
        (["a", "b'c"], ["a", "b'c"]),
    ],
)
def test_literals_of_other_types(value, expected):
    assert connect().execute(f"select {quote_literal(value)}").fetchone() == (expected,)


def test_quoting_refuses_what_it_cannot_render():
    with pytest.raises(ValueError):
        quote_identifier("")
    with pytest.raises(ValueError):
        quote_literal("a\x00b")
    with pytest.raises(TypeError):
        quote_literal(object())


@pytest.fixture
def sql_dir(tmp_path):
    folder = tmp_path / "sql" / "demo"
    folder.mkdir(parents=True)
    (folder / "01_select_value.sql").write_text(
        "{# a note that never reaches DuckDB #}\nselect $value as {{ column | ident }}\n"
    )
    (folder / "02_broken.sql").write_text("select 1\nfrom no_such_table\n")
    (folder / "03_needs.sql").write_text("select {{ missing }}\n")
    (folder / "notes.txt").write_text("not a step")
    return tmp_path / "sql"


def test_runner_renders_binds_and_lists_steps(sql_dir):
    runner = SqlRunner(connect(), "demo", sql_dir=sql_dir)
    assert runner.steps() == ["01_select_value.sql", "02_broken.sql", "03_needs.sql"]
    assert runner.fetch("01_select_value.sql", {"value": "x'; drop table t; --", "unused": 1}, column="a b") == [
        ("x'; drop table t; --",)
    ]
    assert runner.execute("01_select_value.sql", {"value": 3}, column="n").description[0][0] == "n"


def test_runner_errors_name_the_file_and_line(sql_dir, tmp_path):
    runner = SqlRunner(connect(), "demo", sql_dir=sql_dir)
    with pytest.raises(EtlError) as caught:
        runner.execute("02_broken.sql")
    message = str(caught.value)
    where = sql_dir / "demo" / "02_broken.sql"
    assert message.startswith(f"{where}, line 2 of the rendered SQL ('from no_such_table'):")
    assert "Table with name no_such_table does not exist" in message
    with pytest.raises(EtlError, match=r"01_select_value.sql: no value bound for \$value"):
        runner.execute("01_select_value.sql", column="a")
    with pytest.raises(EtlError, match=r"03_needs\.sql: template value missing: 'missing' is undefined"):
        runner.execute("03_needs.sql")
    with pytest.raises(EtlError, match="SQL file not found"):
        runner.execute("99_nothing.sql")


def test_connection_runs_in_utc_with_the_limits_asked_for(tmp_path):
    con = connect(threads=1, memory_limit="256MB", temp_directory=tmp_path / "spill")
    settings = dict(
        con.execute(
            "select name, value from duckdb_settings() where name in ('TimeZone', 'threads', 'memory_limit')"
        ).fetchall()
    )
    assert settings["TimeZone"] == "UTC"
    assert settings["threads"] == "1"
    assert settings["memory_limit"] in ("256.0 MiB", "244.1 MiB")
    assert (tmp_path / "spill").is_dir()
    assert con.execute("select to_timestamp(0)::varchar").fetchone() == ("1970-01-01 00:00:00+00",)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("600MB", 600_000_000),
        ("600 MB", 600_000_000),
        ("1.5GB", 1_500_000_000),
        ("2GiB", 2 * 2**30),
        ("572.2 MiB", int(572.2 * 2**20)),
        ("314572800B", 314_572_800),
        ("1000 bytes", 1000),
        ("4096", 4096),
    ],
)
def test_parse_size_reads_duckdb_units(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "600 MBs", "-1GB", "1.5.2GB"])
def test_parse_size_rejects_what_is_not_a_size(text):
    with pytest.raises(EtlError, match="not a memory size"):
        parse_size(text)
