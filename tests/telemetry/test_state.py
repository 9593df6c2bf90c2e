"""The run state: day records go to a journal during a run and survive kills."""

from __future__ import annotations

import json

import pytest

from etl.core.errors import EtlError
from etl.pipelines.telemetry.state import State


def record(n):
    return {"inputs": {f"f{n}.parquet": [n, n]}, "outputs": [f"system/date=d{n}/data_0.parquet"]}


def test_day_records_are_journaled_then_folded_into_the_state_file(tmp_path):
    state = State(tmp_path / "state.json", files={"f1.parquet": {"size": 1}})
    state.save()
    state.days["d1"] = record(1)
    state.save_day("d1")
    state.days["d2"] = record(2)
    state.save_day("d2")
    del state.days["d1"]
    state.save_day("d1")

    on_disk = json.loads(state.path.read_text())
    assert on_disk["days"] == {}
    assert [json.loads(line)["day"] for line in state.journal.read_text().splitlines()] == ["d1", "d2", "d1"]
    loaded = State.load(state.path)
    assert loaded.days == {"d2": record(2)}
    assert loaded.files == {"f1.parquet": {"size": 1}}

    loaded.fold_journal()
    assert not loaded.journal.exists()
    assert json.loads(state.path.read_text())["days"] == {"d2": record(2)}
    assert State.load(state.path).days == {"d2": record(2)}


def test_a_line_cut_short_by_a_kill_loses_only_that_day(tmp_path):
    state = State(tmp_path / "state.json")
    state.save()
    state.days["d1"] = record(1)
    state.save_day("d1")
    state.days["d2"] = record(2)
    state.save_day("d2")
    text = state.journal.read_text()
    state.journal.write_text(text[: len(text) - 10])

    assert State.load(state.path).days == {"d1": record(1)}


@pytest.mark.parametrize("before", [0, 1])
def test_a_run_killed_again_after_a_cut_line_leaves_a_readable_journal(tmp_path, before):
    """The next run's entries must not append to the cut line."""
    state = State(tmp_path / "state.json")
    state.save()
    for n in range(1, before + 2):
        state.days[f"d{n}"] = record(n)
        state.save_day(f"d{n}")
    state.journal.write_text(state.journal.read_text()[:-10])
    again = State.load(state.path)
    again.days["d9"] = record(9)
    again.save_day("d9")  # and the run is killed before it folds the journal
    assert State.load(state.path).days == {**{f"d{n}": record(n) for n in range(1, before + 1)}, "d9": record(9)}


def test_a_broken_line_inside_the_journal_is_an_error_naming_it(tmp_path):
    state = State(tmp_path / "state.json")
    state.save()
    for n in (1, 2):
        state.days[f"d{n}"] = record(n)
        state.save_day(f"d{n}")
    lines = state.journal.read_text().splitlines()
    state.journal.write_text("\n".join(["{broken", lines[1]]) + "\n")

    broken = r"state\.json\.journal is broken at line 1; delete it or run with --full-refresh"
    with pytest.raises(EtlError, match=broken):
        State.load(state.path)


def test_entries_already_in_the_state_file_are_not_applied_again(tmp_path):
    # A kill between writing the state file and dropping the journal leaves
    # entries the file already holds; a later change must not be undone.
    state = State(tmp_path / "state.json")
    state.save()
    state.days["d1"] = record(1)
    state.save_day("d1")
    stale = state.journal.read_text()
    state.days["d1"] = record(3)
    state.save()
    state.journal.write_text(stale)

    assert State.load(state.path).days == {"d1": record(3)}
