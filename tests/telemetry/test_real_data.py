"""End to end on the real export sample in ../shared/data/telemetry."""

from __future__ import annotations

import duckdb
import pytest

from etl.pipelines.telemetry.pipeline import Settings, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    from etl.core.paths import SHARED_DATA_DIR

    source = SHARED_DATA_DIR / "telemetry"
    if not source.exists():
        import os

        reason = f"real data not found at {source}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("real") / "output"
    summary = run(Settings(input=source, output=out, quiet=True))
    return source, out, summary


def test_every_module_file_is_a_full_day_on_the_grid(real_run):
    _, out, summary = real_run
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    rows = con.execute(
        f"""
        select phase, module, date, count(*) as n,
               count(distinct timestamp) as distinct_ts,
               min(timestamp) = date::timestamptz as starts_at_midnight,
               max(timestamp) = date::timestamptz + interval 86395 seconds as ends_at_235955,
               bool_and(epoch(timestamp)::bigint % 5 = 0) as on_grid
        from read_parquet('{out}/modules/*/*/*/*.parquet', hive_partitioning = true)
        group by phase, module, date
        """
    ).fetchall()
    assert len(rows) == 3 * 8 * 5
    assert {r[3:] for r in rows} == {(17_280, 17_280, True, True, True)}
    assert summary["days"] == ["2024-06-05", "2024-06-18", "2024-07-15", "2024-08-06", "2024-09-03"]
    module_files = [o for o in summary["outputs"] if o["path"].startswith("modules/")]
    assert len(module_files) == 120
    assert {o["rows"] for o in module_files} == {17_280}


def test_every_output_file_is_in_time_order(real_run, misordered_files):
    # COPY ... PARTITION_BY wrote some of these files rotated (23:59:55, then
    # 00:00:00 in the middle of the file); readers must find them in order.
    _, out, _ = real_run
    assert misordered_files(out) == {}


def test_every_row_is_accounted_for(real_run):
    source, _, summary = real_run
    totals = summary["totals"]
    raw = duckdb.sql(f"select count(*) from read_parquet('{source}/**/*.parquet')").fetchone()[0]
    assert raw == totals["rows_read"] == summary["inputs"]["rows"] == 13_590_659
    distinct = duckdb.sql(
        f"select count(*) from (select distinct timestamp, payload_type, value, tags "
        f"from read_parquet('{source}/**/*.parquet'))"
    ).fetchone()[0]
    assert totals["duplicates"] == raw - distinct
    assert sum(totals["placed"].values()) + sum(totals["rejected"].values()) == distinct
    assert totals["rejected"] == {}


def test_values_match_an_independent_query_over_the_raw_files(real_run):
    source, out, _ = real_run
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    # Independent: distinct readings, tags looked up by key, mean per 5 s bucket.
    expected = con.execute(
        f"""
        with raw as (
            select distinct timestamp, payload_type, value, tags
            from read_parquet('{source}/2024/06/18/*.parquet')
        ),
        tagged as (
            select timestamp, payload_type, value::double as v,
                   map_from_entries([(t[1], t[2]) for t in tags]) as m
            from raw
        )
        select (timestamp // 5) * 5 as bucket, avg(v) as v
        from tagged
        where payload_type = 'cell_voltage' and m['phase'] = '2' and m['module'] = '7' and m['cell'] = '12'
          and timestamp >= 1718668800 and timestamp < 1718755200
        group by bucket order by bucket
        """
    ).fetchall()
    got = con.execute(
        f"""
        select epoch(timestamp)::bigint, cell_voltage__battery_1__cell_12
        from read_parquet('{out}/modules/phase=2/module=7/date=2024-06-18/*.parquet', hive_partitioning = false)
        where cell_voltage__battery_1__cell_12 is not null order by 1
        """
    ).fetchall()
    assert len(expected) > 50
    assert got == expected

    expected_state = con.execute(
        f"""
        select (timestamp // 5) * 5, arg_max(value, (timestamp, value))
        from (select distinct timestamp, payload_type, value from read_parquet('{source}/2024/07/15/*.parquet'))
        where payload_type = 'system_state' and timestamp >= 1721001600 and timestamp < 1721088000
        group by 1 order by 1
        """
    ).fetchall()
    got_state = con.execute(
        f"""
        select epoch(timestamp)::bigint, system_state
        from read_parquet('{out}/system/date=2024-07-15/*.parquet', hive_partitioning = false)
        where system_state is not null order by 1
        """
    ).fetchall()
    assert len(expected_state) > 1000
    assert got_state == expected_state


def test_quality_coverage_of_module_voltage_matches_a_count_over_the_day_files(real_run):
    _, out, _ = real_run
    con = duckdb.connect(str(out / "telemetry.duckdb"), read_only=True)
    con.execute(f"set file_search_path = '{out.parent}'")
    from_quality = con.execute(
        "select date, phase::bigint, module::bigint, coverage, buckets from quality "
        "where dataset = 'modules' and signal = 'module_voltage' order by all"
    ).fetchall()
    counted = (
        duckdb.connect()
        .execute(
            f"""
        select date, phase, module, count(module_voltage) / 17280, count(module_voltage)
        from read_parquet('{out}/modules/*/*/*/*.parquet', hive_partitioning = true)
        group by all order by all
        """
        )
        .fetchall()
    )
    assert len(from_quality) == 3 * 8 * 5
    assert from_quality == counted


@pytest.mark.parametrize(("until", "fill"), [("08-00", "none"), ("18-00", "linear")])
def test_files_arriving_through_a_real_day_keep_the_outputs_equal_to_a_full_rebuild(tmp_path, until, fill):
    from etl.core.paths import SHARED_DATA_DIR

    day = SHARED_DATA_DIR / "telemetry/2024/06/05"
    files = sorted(day.glob("*.parquet"))
    # the export names files by the time they were sent
    first = [f for f in files if f.name.split("-2024-06-05-")[1][:5] < until]
    assert 0 < len(first) < len(files) - 1
    folder = tmp_path / "input/2024/06/05"
    folder.mkdir(parents=True)

    def add(chosen):
        for f in chosen:
            (folder / f.name).symlink_to(f)
        return run(Settings(input=tmp_path / "input", output=tmp_path / "out", quiet=True, fill=fill))

    add(first)
    one_more = add(files[len(first) : len(first) + 1])
    rest = add(files[len(first) + 1 :])
    assert one_more["run"]["days_patched"] == ["2024-06-05"]
    # the rest of the day holds most of its rows: rebuilt whole in the morning, patched in the evening
    assert rest["run"]["days_patched"] == ([] if until == "08-00" else ["2024-06-05"])
    full = run(Settings(input=tmp_path / "input", output=tmp_path / "full", quiet=True, fill=fill))
    con = duckdb.connect()
    for name in ("_quality/date=2024-06-05/signals.parquet", "_quality/date=2024-06-05/cells.parquet"):
        query = "select * from read_parquet('{}') order by all"
        assert (
            con.execute(query.format(tmp_path / "out" / name)).fetchall()
            == con.execute(query.format(tmp_path / "full" / name)).fetchall()
        )
    names = sorted(p.relative_to(tmp_path / "full").as_posix() for p in (tmp_path / "full").glob("[mps]*/**/*.parquet"))
    assert len(names) == 24 + 3 + 1
    for name in names:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
    assert rest["totals"] == full["totals"]
