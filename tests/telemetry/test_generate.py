"""The bundled sample in data/ is exactly what the generator makes, and looks
like the real export: its schema, re-sends, a second exporter, a late file."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from etl.core.paths import DATA_DIR
from etl.pipelines.telemetry.generator import CAPACITY_AH, generate


def listing(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The sample as the generator makes it now (data/ was made the same way), and its counts."""
    root = tmp_path_factory.mktemp("generated")
    return root, generate(root, start=dt.date(2024, 6, 5), days=2, preset="sample", seed=7)


def test_generator_reproduces_the_bundled_sample(generated):
    tmp_path, made = generated
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


@pytest.fixture(scope="module")
def readings(generated):
    """The generated readings, each once, with phase, module and cell as columns."""
    con = duckdb.connect()
    con.execute(
        """
        create table readings as
        select distinct
            timestamp as t,
            payload_type,
            try_cast(value as double) as v,
            list_filter(tags, x -> x[1] = 'phase')[1][2] as phase,
            list_filter(tags, x -> x[1] = 'module')[1][2] as module,
            list_filter(tags, x -> x[1] = 'cell')[1][2] as cell
        from read_parquet($files)
        """,
        {"files": f"{generated[0]}/**/*.parquet"},
    )
    yield con
    con.close()


def test_modules_in_series_carry_their_phase_current(readings):
    """As on the real export: each module of a phase carries the phase current
    (same sign: positive = discharging), or none while it is bypassed. Module
    and phase currents are read at the same moments; each has 0.01 A of noise."""
    pairs, inserted, bypassed, running, bypassed_running, discharging, charging = readings.execute(
        """
        select
            count(*),
            count(*) filter (where abs(m.v - p.v) <= 0.05),
            count(*) filter (where abs(m.v - p.v) > 0.05 and abs(m.v) <= 0.05),
            count(*) filter (where abs(p.v) > 1),
            count(*) filter (where abs(p.v) > 1 and abs(m.v) <= 0.05),
            count(*) filter (where p.v >= 25),
            count(*) filter (where p.v <= -25)
        from readings as m
        inner join readings as p on m.t = p.t and m.phase = p.phase
        where m.payload_type = 'module_current' and p.payload_type = 'phase_current'
        """
    ).fetchone()
    assert pairs == 2852
    assert inserted + bypassed == pairs, "a module current is its phase current or 0 A"
    assert 0.05 <= bypassed_running / running <= 0.3
    assert discharging > 0 and charging > 0


def test_state_of_charge_integrates_the_current(readings):
    """dSoC = -I dt / capacity (positive current discharges). Over every stretch
    of a module's readings without a pause over 60 s, the change in SoC equals
    the trapezoid integral of its current readings within 0.5 percentage points
    (the readings sample a current that steps when a module is bypassed); and
    from one reading to the next, SoC never rises while discharging or falls
    while charging by more than its rounding (0.0001)."""
    stretches = readings.execute(
        f"""
        with joined as (
            select i.phase, i.module, i.t, i.v as amps, s.v as soc
            from readings as i
            inner join readings as s on i.t = s.t and i.phase = s.phase and i.module = s.module
            where i.payload_type = 'module_current' and s.payload_type = 'module_state_of_charge'
        ),
        steps as (
            select
                *,
                t - lag(t) over w as dt,
                lag(amps) over w as amps_before,
                soc - lag(soc) over w as dsoc
            from joined
            window w as (partition by phase, module order by t)
        ),
        numbered as (
            select *, sum(if(dt is null or dt > 60, 1, 0)) over (partition by phase, module order by t) as stretch
            from steps
        )
        select
            phase,
            module,
            stretch,
            arg_max(soc, t) - arg_min(soc, t) as dsoc,
            -sum(if(dt <= 60, (amps + amps_before) / 2 * dt, 0)) / 3600 / {CAPACITY_AH} as expected,
            count(*) filter (where dt <= 60 and amps > 5 and amps_before > 5 and dsoc > 0.0001)
            + count(*) filter (where dt <= 60 and amps < -5 and amps_before < -5 and dsoc < -0.0001) as wrong_way
        from numbered
        group by all
        """
    ).fetchall()
    assert len(stretches) == 12  # 4 modules x 3 bursts
    for phase, module, stretch, dsoc, expected, wrong_way in stretches:
        assert abs(dsoc - expected) <= 0.005, (phase, module, stretch, dsoc, expected)
        assert wrong_way == 0, (phase, module, stretch)
    assert min(dsoc for *_, dsoc, _, _ in stretches) < -0.05
    assert max(dsoc for *_, dsoc, _, _ in stretches) > 0.05
    low, high = readings.execute(
        "select min(v), max(v) from readings where payload_type = 'module_state_of_charge'"
    ).fetchone()
    assert 0 <= low <= high <= 1


def test_cells_sum_to_the_battery_and_module_voltage(readings):
    """At every cell sweep (read with the module's fast signals): the 4 cells
    sum to the battery voltage within 0.03 V (readings rounded to 1 mV and
    10 mV, with noise), and to the module voltage within 1 %."""
    sweeps, cells, battery_error, module_error = readings.execute(
        """
        with sweeps as (
            select t, phase, module, sum(v) as cells, count(*) as n
            from readings
            where payload_type = 'cell_voltage'
            group by all
        )
        select count(*), min(n), max(abs(c.cells - b.v)), max(abs(m.v - c.cells) / m.v)
        from sweeps as c
        inner join readings as b using (t, phase, module)
        inner join readings as m using (t, phase, module)
        where b.payload_type = 'battery_voltage' and m.payload_type = 'module_voltage'
        """
    ).fetchone()
    assert sweeps == 40
    assert cells == 4
    assert battery_error <= 0.03
    assert module_error <= 0.01
