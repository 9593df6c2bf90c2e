"""Golden tests per SQL stage: given these readings, exactly these rows."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.core.engine import SqlRunner, connect
from etl.pipelines.telemetry.building import pivot_groups, write_grid
from etl.pipelines.telemetry.days import DATASETS

DAY = 1_717_545_600  # 2024-06-05T00:00:00Z
M11 = [["phase", "1"], ["module", "1"], ["message_source", "master"]]
BOUNDS = {"day_start": DAY, "day_end": DAY + 86_400}


@pytest.fixture
def runner():
    con = connect(threads=1)
    yield SqlRunner(con, "telemetry")
    con.close()


def place(runner, tmp_path, write_readings, rows, text_signals=("system_state",)):
    files = []
    for i, chunk in enumerate(rows if isinstance(rows[0], list) else [rows]):
        files.append(str(write_readings(tmp_path / f"f{i}.parquet", chunk)))
    runner.execute("08_create_known_signals.sql")
    runner.execute("11_dedupe_day.sql", {"files": files, **BOUNDS})
    assert runner.fetch("12_list_new_signals.sql") != []
    runner.execute("13_learn_signals.sql", {"files": files, **BOUNDS})
    assert runner.fetch("12_list_new_signals.sql") == []
    runner.execute("14_route_tags.sql")
    runner.execute("15_name_signals.sql", {"text_signals": list(text_signals)})
    runner.execute("16_place_readings.sql", one_pass=False)


def test_exact_duplicates_count_once_across_files(runner, tmp_path, write_readings):
    first = [
        (DAY + 1, "module_voltage", "54.1", M11),
        (DAY + 1, "module_voltage", "54.1", M11),
        (DAY + 2, "module_voltage", "54.2", M11),
    ]
    second = [
        (DAY + 1, "module_voltage", "54.1", M11),
        # same time and tags, another value: not a duplicate
        (DAY + 2, "module_voltage", "54.3", M11),
        # same reading with its tags in another order: not an exact duplicate
        (DAY + 1, "module_voltage", "54.1", [M11[1], M11[0], M11[2]]),
    ]
    place(runner, tmp_path, write_readings, [first, second])
    rows = runner.con.execute(
        "select r.timestamp - $d, r.value, k.tags, r.copies from day_readings as r "
        "join known_signals as k using (sig_hash) order by all",
        {"d": DAY},
    ).fetchall()
    assert rows == [
        (1, "54.1", [["module", "1"], ["phase", "1"], ["message_source", "master"]], 1),
        (1, "54.1", M11, 3),
        (2, "54.2", M11, 1),
        (2, "54.3", M11, 1),
    ]


def test_missing_tags_and_empty_tags_are_the_same_reading(runner, tmp_path, write_readings):
    place(
        runner,
        tmp_path,
        write_readings,
        [
            [(DAY + 1, "phase_count", "3", None)],
            [(DAY + 1, "phase_count", "3", []), (DAY + 2, "phase_count", "3", None)],
        ],
    )
    rows = runner.con.execute(
        "select r.timestamp - $d, k.tags, r.copies from day_readings as r "
        "join known_signals as k using (sig_hash) order by all",
        {"d": DAY},
    ).fetchall()
    assert rows == [(1, [], 2), (2, [], 1)]


def test_a_missing_payload_type_is_its_own_reading_and_rejected(runner, tmp_path, write_readings):
    rows = [
        (DAY, None, "1", M11),
        (DAY, None, "1", M11),
        (DAY, "", "1", M11),
        (DAY, " ", "1", M11),
        (DAY, "module_voltage", "1", M11),
    ]
    place(runner, tmp_path, write_readings, rows)
    got = runner.con.execute(
        "select s.payload_type, p.copies, p.problem from day_placed as p "
        "join day_signals as s using (signal_key) order by all"
    ).fetchall()
    assert got == [
        ("", 1, "missing payload_type"),
        (" ", 1, "missing payload_type"),
        ("module_voltage", 1, None),
        (None, 2, "missing payload_type"),
    ]


def test_readings_outside_the_day_are_left_for_their_own_day(runner, tmp_path, write_readings):
    place(
        runner,
        tmp_path,
        write_readings,
        [
            (DAY - 1, "module_voltage", "1", M11),
            (DAY, "module_voltage", "2", M11),
            (DAY + 86_399, "module_voltage", "3", M11),
            (DAY + 86_400, "module_voltage", "4", M11),
        ],
    )
    assert runner.con.execute("select value from day_readings order by 1").fetchall() == [("2",), ("3",)]


def test_routing_and_signal_names(runner, tmp_path, write_readings):
    rows = [
        (DAY, "module_voltage", "1", M11),
        (DAY, "cell_voltage", "2", [["phase", "1"], ["module", "1"], ["cell", "10"], ["battery", "1"]]),
        (DAY, "battery_sensor_temperature", "3", [["sensor", "2"], ["battery", "1"], ["phase", "2"], ["module", "3"]]),
        (DAY, "phase_current", "4", [["phase", "3"], ["message_source", "master"]]),
        (DAY, "system_state", "RUN", [["message_source", "master"]]),
        (DAY, "debug_value", "5", [["debug_value_key", "cb_temp_core"], ["message_source", "master"]]),
        (DAY, "module_voltage", "6", [["phase", "1"], ["module", "1"], ["message_source", "slave"]]),
        (DAY, "custom", "7", [["zone", "b"], ["phase", "1"], ["module", "2"], ["alpha", "x"], ["cell", "2"]]),
        (DAY, "phase_count", "8", []),
    ]
    place(runner, tmp_path, write_readings, rows)
    got = runner.con.execute(
        "select s.dataset, s.phase, s.module, p.series, s.signal, p.problem "
        "from day_placed as p join day_signals as s using (signal_key) "
        "order by coalesce(p.value, p.num::varchar)"
    ).fetchall()
    # series number the phase + module pairs of a dataset in order
    assert got == [
        ("modules", "1", "1", 1, "module_voltage", None),
        ("modules", "1", "1", 1, "cell_voltage__battery_1__cell_10", None),
        ("modules", "2", "3", 3, "battery_sensor_temperature__battery_1__sensor_2", None),
        ("phases", "3", None, 1, "phase_current", None),
        ("system", None, None, 1, "debug_value__debug_value_key_cb_temp_core", None),
        ("modules", "1", "1", 1, "module_voltage__message_source_slave", None),
        ("modules", "1", "2", 2, "custom__cell_2__alpha_x__zone_b", None),
        ("system", None, None, 1, "phase_count", None),
        ("system", None, None, 1, "system_state", None),
    ]


def test_a_signal_keeps_its_id_across_series(runner, tmp_path, write_readings):
    rows = [
        (DAY, "module_voltage", "1", [["phase", "2"], ["module", "1"]]),
        (DAY, "module_voltage", "2", [["phase", "1"], ["module", "10"]]),
        (DAY, "module_current", "3", [["phase", "1"], ["module", "10"]]),
        (DAY, "module_voltage", "4", [["phase", "1"], ["module", "2"]]),
    ]
    place(runner, tmp_path, write_readings, rows)
    got = runner.con.execute(
        "select s.phase, s.module, p.series, s.signal, p.signal_id "
        "from day_placed as p join day_signals as s using (signal_key) order by p.num"
    ).fetchall()
    # ids follow text order; the natural order of the columns is Python's job
    assert got == [
        ("2", "1", 3, "module_voltage", 2),
        ("1", "10", 1, "module_voltage", 2),
        ("1", "10", 1, "module_current", 1),
        ("1", "2", 2, "module_voltage", 2),
    ]


def test_readings_that_fit_no_dataset_are_rejected_with_a_reason(runner, tmp_path, write_readings):
    rows = [
        (DAY, "module_voltage", "1", [["module", "1"]]),
        (DAY, "module_voltage", "2", [["phase", "1"], ["phase", "2"]]),
        (DAY, "module_voltage", "3", [["phase", ""]]),
        (DAY, "module_voltage", "4", [["phase", "1", "extra"]]),
        (DAY, "module_voltage", "", M11),
        (DAY, "module_voltage", None, M11),
        (DAY, "system_state", "", []),
        (DAY + 5, "module_voltage", " ", M11),
        (DAY + 5, "system_state", "  ", []),
    ]
    place(runner, tmp_path, write_readings, rows)
    got = runner.con.execute("select coalesce(value, '<null>'), problem from day_placed order by all").fetchall()
    assert got == [
        ("", "empty value"),
        ("", "empty value"),
        (" ", "empty value"),
        ("  ", "empty value"),
        ("1", "module tag without a phase tag"),
        ("2", "malformed tag: a key appears twice"),
        ("3", "malformed tag: empty key or value"),
        ("4", "malformed tag: not a [key, value] pair"),
        ("<null>", "empty value"),
    ]


def test_non_numeric_values_in_numeric_signals_are_marked(runner, tmp_path, write_readings):
    rows = [
        (DAY, "module_voltage", "abc", M11),
        (DAY, "module_voltage", "nan", M11),
        (DAY, "module_voltage", " 5.5 ", M11),
        (DAY, "system_state", "RUN", []),
        (DAY, "new_text_signal", "ON", []),
    ]
    place(runner, tmp_path, write_readings, rows, text_signals=("system_state", "new_text_signal"))
    got = runner.con.execute("select value, num, problem from day_placed order by value").fetchall()
    # a number that parsed keeps no text; text signals and problems keep theirs
    assert got == [
        ("ON", None, None),
        ("RUN", None, None),
        ("abc", None, "non-numeric value"),
        ("nan", None, "non-numeric value"),
        (None, 5.5, None),
    ]


def write_day(
    runner,
    tmp_path,
    keys=("phase", "module"),
    dataset="modules",
    fill=False,
    max_gap=30,
    split=None,
    step=5,
    hourly=False,
):
    """Build and write one dataset's grid. fill: True/False for forward/none,
    or the mode's name. split: None lets pivot_groups() choose; True or
    False forces two groups (frequent, sparse) or one."""
    fill = {True: "forward", False: "none"}.get(fill, fill)
    columns = [
        {"id": i, "name": n, "is_text": t, "old": False, "readings": r}
        for d, i, n, t, r, _ in runner.fetch("19_list_signals.sql")
        if d == dataset
    ]
    groups = pivot_groups(columns, 86_400 // step)
    if split is True:
        top = max(c["readings"] for c in columns)
        groups = [[c for c in columns if c["readings"] == top], [c for c in columns if c["readings"] < top]]
    elif split is False:
        groups = [columns]
    target = tmp_path / "out" / dataset
    target.parent.mkdir(parents=True, exist_ok=True)
    runner.execute(
        "20_build_grid.sql",
        {"day_start": DAY, "step": step, "max_gap_seconds": max_gap},
        dataset=dataset,
        keys=list(keys),
        columns=columns,
        groups=groups,
        fill=fill,
        rows_per_day=86_400 // step,
        rows_per_hour=3_600 // step,
        hourly=hourly,
        patch=None,
    )
    partition = "hour" if hourly else "date"
    write_grid(runner, target, dataset, list(keys), partition, (3_600 if hourly else 86_400) // step)
    return target


def grid(runner, target, where="true"):
    return runner.con.execute(
        f"select epoch(timestamp)::bigint - {DAY} as s, * exclude (timestamp) "
        f"from read_parquet('{target}/**/*.parquet', hive_partitioning = true) where {where} order by all"
    ).fetchall()


def test_bucket_edges_means_and_the_full_grid(runner, tmp_path, write_readings):
    rows = [
        (DAY + 0, "module_voltage", "10", M11),
        (DAY + 4, "module_voltage", "20", M11),  # same bucket [0, 5)
        (DAY + 5, "module_voltage", "30", M11),  # next bucket starts at t + 5 s
        (DAY + 86_399, "module_voltage", "40", M11),  # last bucket of the day
    ]
    place(runner, tmp_path, write_readings, rows)
    target = write_day(runner, tmp_path)
    everything = grid(runner, target)
    assert len(everything) == 17_280
    assert [r[0] for r in everything] == list(range(0, 86_400, 5))
    assert [r for r in everything if r[1] is not None] == [
        (0, 15.0, dt.date(2024, 6, 5), 1, 1),
        (5, 30.0, dt.date(2024, 6, 5), 1, 1),
        (86_395, 40.0, dt.date(2024, 6, 5), 1, 1),
    ]
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*.parquet"))
    assert files == ["phase=1/module=1/date=2024-06-05/data_0.parquet"]


def test_text_signals_take_the_last_reading_of_the_bucket(runner, tmp_path, write_readings):
    rows = [
        (DAY + 10, "system_state", "IDLE", []),
        (DAY + 13, "system_state", "RUN", []),
        (DAY + 11, "system_state", "FAULT", []),
        (DAY + 20, "system_state", "IDLE", []),
    ]
    place(runner, tmp_path, write_readings, rows)
    target = write_day(runner, tmp_path, keys=(), dataset="system")
    got = [r[:2] for r in grid(runner, target, "system_state is not null")]
    assert got == [(10, "RUN"), (20, "IDLE")]


def test_forward_fill_stops_at_max_gap(runner, tmp_path, write_readings):
    rows = [
        (DAY + 0, "module_voltage", "1", M11),
        (DAY + 60, "module_voltage", "2", M11),
        (DAY + 62, "module_current", "7", M11),
    ]
    place(runner, tmp_path, write_readings, rows)
    target = write_day(runner, tmp_path, fill=True, max_gap=15)
    got = [r[:3] for r in grid(runner, target, "epoch(timestamp)::bigint - 1717545600 < 90")]
    assert got == [
        (0, None, 1.0),
        (5, None, 1.0),
        (10, None, 1.0),
        (15, None, 1.0),
        (20, None, None),
        (25, None, None),
        (30, None, None),
        (35, None, None),
        (40, None, None),
        (45, None, None),
        (50, None, None),
        (55, None, None),
        (60, 7.0, 2.0),
        (65, 7.0, 2.0),
        (70, 7.0, 2.0),
        (75, 7.0, 2.0),
        (80, None, None),
        (85, None, None),
    ]


def test_without_fill_empty_buckets_stay_null(runner, tmp_path, write_readings):
    place(runner, tmp_path, write_readings, [(DAY + 0, "module_voltage", "1", M11)])
    target = write_day(runner, tmp_path, fill=False)
    assert [r[:2] for r in grid(runner, target, "epoch(timestamp)::bigint - 1717545600 < 15")] == [
        (0, 1.0),
        (5, None),
        (10, None),
    ]


def test_the_dataset_enum_lists_every_dataset_the_pipeline_writes(runner, tmp_path, write_readings):
    place(runner, tmp_path, write_readings, [(DAY, "module_voltage", "1", M11), (DAY, "phase_count", "3", [])])
    [(kind,)] = runner.con.execute("select distinct typeof(dataset) from day_signals").fetchall()
    assert kind == "ENUM(" + ", ".join(f"'{name}'" for name in DATASETS) + ")"
    assert runner.con.execute("select dataset from day_placed order by all").fetchall() == [("modules",), ("system",)]


def test_placing_in_one_pass_gives_the_rows_of_the_long_way(runner, tmp_path, write_readings):
    """With every signal known, 16_place_readings.sql reads the files itself."""
    first = [
        (DAY + 1, "module_voltage", "54.1", M11),
        (DAY + 1, "module_voltage", "54.1", M11),
        (DAY + 2, "system_state", "RUN", []),
        (DAY + 3, "module_voltage", "", M11),
        (DAY + 4, "cell_voltage", "3.3", [["module", "2"], ["cell", "1"]]),
    ]
    second = [(DAY + 1, "module_voltage", "54.1", M11), (DAY + 86_400, "module_voltage", "9", M11)]
    place(runner, tmp_path, write_readings, [first, second])
    long_way = runner.con.execute("select * from day_placed order by all").fetchall()
    files = [str(tmp_path / "f0.parquet"), str(tmp_path / "f1.parquet")]
    runner.execute("16_place_readings.sql", {"files": files, **BOUNDS}, one_pass=True)
    assert runner.con.execute("select * from day_placed order by all").fetchall() == long_way
    assert len(long_way) == 4


def test_placing_in_one_pass_marks_readings_of_unknown_signals(runner, tmp_path, write_readings):
    place(runner, tmp_path, write_readings, [(DAY + 1, "module_voltage", "54.1", M11)])
    later = write_readings(
        tmp_path / "later.parquet", [(DAY + 5, "module_voltage", "1", M11), (DAY + 6, "new_signal", "2", [])]
    )
    runner.execute("16_place_readings.sql", {"files": [str(later)], **BOUNDS}, one_pass=True)
    got = runner.con.execute(
        "select timestamp - $d, signal_key is null, problem from day_placed order by all", {"d": DAY}
    )
    assert got.fetchall() == [(5, False, None), (6, True, "unknown signal")]


@pytest.mark.parametrize("fill", [False, True])
def test_pivoting_frequent_and_sparse_signals_apart_gives_the_same_grid(runner, tmp_path, write_readings, fill):
    """module_voltage and a text signal every 3 s, module_current and a cell every 5 minutes."""
    rows = [(DAY + 3 * k, "module_voltage", str(50 + k % 7), M11) for k in range(400)]
    rows += [(DAY + 3 * k + 1, "module_mode", ("RUN", "IDLE")[k % 2], M11) for k in range(400)]
    rows += [(DAY + 300 * k, "module_current", str(k), M11) for k in range(4)]
    rows += [(DAY + 301 * k, "cell_voltage", "3.1", [*M11[:2], ["battery", "1"], ["cell", "2"]]) for k in range(3)]
    place(runner, tmp_path, write_readings, rows, text_signals=("module_mode",))
    one = write_day(runner, tmp_path / "one", fill=fill, split=False)
    two = write_day(runner, tmp_path / "two", fill=fill, split=True)
    assert grid(runner, two) == grid(runner, one)
    counts = runner.con.execute(
        "select count(*), count(module_voltage), count(module_mode), count(module_current), "
        f"count(cell_voltage__battery_1__cell_2) from read_parquet('{two}/**/*.parquet')"
    ).fetchone()
    # fill carries each reading 30 s on: 6 more buckets after the 3-second
    # signals stop, and 7 buckets for each 5-minute reading
    assert counts == ((17_280, 246, 246, 28, 21) if fill else (17_280, 240, 240, 4, 3))


def test_pivot_groups_splits_only_when_it_saves_more_than_a_join():
    def col(i, readings):
        return {"id": i, "name": f"c{i}", "is_text": False, "old": False, "readings": readings}

    # a generated module day: 24 series, 4 signals every few seconds, 16 sparse ones
    modules = [*(col(i, 246_600) for i in range(1, 5)), col(5, 16_440), *(col(i, 3_288) for i in range(6, 21))]
    frequent, sparse = pivot_groups(modules, 24 * 17_280)
    assert [c["id"] for c in frequent] == [1, 2, 3, 4]
    assert [c["id"] for c in sparse] == list(range(5, 21))
    even = [col(1, 100), col(2, 90), col(3, 80)]
    assert pivot_groups(even, 17_280) == [even]
    # the phases: one busy signal beside a sparse one saves 31,000 filter
    # evaluations, less than a join over 3 series x 17,280 slots
    phases = [col(1, 31_000), col(2, 300)]
    assert pivot_groups(phases, 3 * 17_280) == [phases]
    assert pivot_groups(phases, 1_000) == [[phases[0]], [phases[1]]]
    old_only = {"id": None, "name": "gone", "is_text": False, "old": True}
    assert pivot_groups([col(1, 5), old_only], 17_280) == [[col(1, 5)]]
    assert pivot_groups([old_only], 17_280) == []
