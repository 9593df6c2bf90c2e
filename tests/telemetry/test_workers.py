"""Days built at once on several workers give the same outputs as one at a time."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.core.engine import parse_size
from etl.pipelines.telemetry.pipeline import Settings, run
from etl.pipelines.telemetry.placing import spread
from etl.pipelines.telemetry.scheduling import ThreadShare, worker_count

DAY = 1_717_545_600  # 2024-06-05T00:00:00Z
M11 = [["phase", "1"], ["module", "1"], ["message_source", "master"]]
M12 = [["phase", "1"], ["module", "2"], ["message_source", "master"]]


def outputs(root: Path) -> dict[str, list[tuple]]:
    """Every published parquet file under root and its rows in file order."""
    con = duckdb.connect()
    files = sorted(p for p in root.rglob("*.parquet") if ".telemetry" not in p.parts)
    return {
        p.relative_to(root).as_posix(): con.execute(
            f"select * from read_parquet('{p}', hive_partitioning = false)"
        ).fetchall()
        for p in files
    }


def lasting(summary: dict) -> dict:
    """The summary without what differs from run to run (times, settings)."""
    return {k: v for k, v in summary.items() if k not in ("started_at", "wall_seconds", "settings")}


def several_days(folder: Path, write) -> None:
    """Five days of unequal size; one file crosses midnight, one day has two files."""
    for d, count in enumerate((40, 300, 120, 10, 200)):
        start = DAY + d * 86_400
        rows = [(start + 7 * k, "module_voltage", str(50 + k % 9), M11) for k in range(count)]
        rows += [(start + 11 * k, "module_current", str(k % 5), M12) for k in range(count // 2)]
        write(folder / f"day{d}.parquet", rows + rows[: count // 4])
    write(
        folder / "late.parquet",
        [
            (DAY + 86_390, "module_voltage", "61", M11),
            (DAY + 86_402, "cell_voltage", "3.1", [*M11[:2], ["battery", "1"], ["cell", "1"]]),
        ],
    )
    write(folder / "extra.parquet", [(DAY + 2 * 86_400 + 3, "system_state", "RUN", [])])


@pytest.mark.parametrize("threads", [2, 3])
def test_days_built_at_once_match_one_at_a_time(tmp_path, write_readings, threads):
    several_days(tmp_path / "input", write_readings)
    one = run(Settings(input=tmp_path / "input", output=tmp_path / "one", quiet=True, threads=1))
    many = run(Settings(input=tmp_path / "input", output=tmp_path / "many", quiet=True, threads=threads))
    assert len(one["days"]) == 5
    assert lasting(many) == lasting(one)
    assert many["run"]["days_written"] == one["days"]
    assert outputs(tmp_path / "many") == outputs(tmp_path / "one")


@pytest.mark.parametrize("threads", [1, 2])
def test_a_file_quarantined_mid_run_leaves_the_outputs_of_a_run_without_it(tmp_path, write_readings, threads):
    """bad.parquet has good readings on day 0 and on day 2, which only it
    holds, and a non-numeric value on day 3. Days are built biggest first, so
    day 0 is built from it before day 3 finds the value; a first run with a
    clean version of the file has published day 2. After the quarantine,
    day 0 is built again without the file and day 2 goes."""
    folder = tmp_path / "input"
    several_days(folder, write_readings)
    (folder / "day2.parquet").unlink()
    (folder / "extra.parquet").unlink()

    def bad_file(value: str) -> None:
        rows = [(DAY + 100, "module_voltage", "70", M11)]
        rows += [(DAY + 2 * 86_400 + 9 * k, "module_current", str(k % 3), M12) for k in range(600)]
        rows += [(DAY + 3 * 86_400 + 50, "module_voltage", value, M11)]
        write_readings(folder / "bad.parquet", rows)

    settings = Settings(input=folder, output=tmp_path / "got", quiet=True, threads=threads, on_bad_file="skip")
    bad_file("5")
    assert run(settings)["days"] == ["2024-06-05", "2024-06-06", "2024-06-07", "2024-06-08", "2024-06-09"]
    bad_file("oops")
    got = run(settings)
    assert got["quarantined"] == [
        {
            "file": "bad.parquet",
            "reason": "1 non-numeric value(s) in numeric signals, first at row 602: module_voltage = 'oops' "
            "(a text signal? add it with --text-signals)",
        }
    ]
    assert got["run"]["newly_quarantined"] == got["quarantined"]
    assert got["run"]["days_removed"] == ["2024-06-07"]
    assert got["run"]["days_written"] == ["2024-06-05", "2024-06-08"]

    (folder / "bad.parquet").unlink()
    want = run(Settings(input=folder, output=tmp_path / "want", quiet=True, threads=1))
    assert got["days"] == want["days"] == ["2024-06-05", "2024-06-06", "2024-06-08", "2024-06-09"]
    assert {k: v for k, v in lasting(got).items() if k not in ("run", "quarantined")} == {
        k: v for k, v in lasting(want).items() if k not in ("run", "quarantined")
    }
    assert outputs(tmp_path / "got") == outputs(tmp_path / "want")


def test_thread_share():
    share = ThreadShare(4)
    share.start(waiting=3)
    share.start(waiting=2)
    assert share.each() == 2
    share.start(waiting=1)
    assert share.each() == 1
    share.stop()
    assert share.each() == 2
    # nothing waits: a building day takes every thread rather than leave one idle
    share.start(waiting=0)
    assert share.each() == 4


def test_spread_covers_the_list_evenly_at_every_prefix():
    assert spread([]) == []
    assert spread(["a"]) == ["a"]
    assert spread(list(range(8))) == [0, 4, 2, 6, 1, 3, 5, 7]
    assert spread(list(range(5))) == [0, 4, 2, 1, 3]
    assert sorted(spread(list(range(93)))) == list(range(93))


def test_a_day_with_a_signal_its_worker_has_not_met_is_placed_the_long_way(tmp_path, write_readings):
    """One worker builds both days; the second brings a new signal and a new module."""
    write_readings(tmp_path / "input" / "a.parquet", [(DAY + 5 * k, "module_voltage", "50", M11) for k in range(50)])
    late = DAY + 86_400
    write_readings(
        tmp_path / "input" / "b.parquet",
        [
            (late + 5, "module_voltage", "51", M11),
            (late + 5, "module_current", "2", M12),
            (late + 10, "phase_count", "3", []),
        ],
    )
    summary = run(Settings(input=tmp_path / "input", output=tmp_path / "out", quiet=True, threads=1))
    assert summary["days"] == ["2024-06-05", "2024-06-06"]
    assert summary["totals"]["placed"] == {"modules": 52, "phases": 0, "system": 1}
    assert summary["totals"]["rejected"] == {}
    modules = f"{tmp_path}/out/modules/phase=1/*/date=2024-06-06/*.parquet"
    got = duckdb.sql(
        f"select module, count(module_voltage), count(module_current) from read_parquet('{modules}', "
        "hive_partitioning = true, union_by_name = true) group by all order by all"
    ).fetchall()
    assert got == [(1, 1, 0), (2, 0, 1)]
    system = duckdb.sql(f"select count(phase_count) from '{tmp_path}/out/system/date=2024-06-06/*.parquet'").fetchall()
    assert system == [(1,)]


def test_worker_count_follows_threads_days_and_memory():
    default = parse_size("600MB")
    assert worker_count(2, 78, default) == 2
    assert worker_count(2, 1, default) == 1
    # a 16-core machine with the default limit: two days at once, 8 threads each
    assert worker_count(16, 78, default) == 2
    assert worker_count(16, 78, parse_size("4GB")) == 14
    assert worker_count(4, 78, parse_size("100MB")) == 1
