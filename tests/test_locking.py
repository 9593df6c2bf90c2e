"""Output folders and the output lock (etl/core/files.py, etl/core/locking.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from etl.core.errors import EtlError
from etl.core.files import ensure_folder, made_folder
from etl.core.locking import OutputLock, locked_output

HOLD = """
import sys, time
from pathlib import Path
from etl.core.locking import OutputLock
with OutputLock(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    time.sleep(60)
"""


def test_ensure_folder_makes_the_folder_and_its_parents(tmp_path):
    assert ensure_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").is_dir()
    assert ensure_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"  # already there: fine


def test_ensure_folder_on_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(EtlError) as exc:
        ensure_folder(tmp_path / "afile")
    assert str(exc.value) == f"output folder {tmp_path / 'afile'} exists and is not a folder"
    with pytest.raises(EtlError) as exc:
        ensure_folder(tmp_path / "afile" / "sub", "warehouse folder")
    afile = tmp_path / "afile"
    assert str(exc.value) == f"cannot create warehouse folder {afile / 'sub'}: {afile} is not a folder"


def test_ensure_folder_where_no_folder_can_be_made():
    with pytest.raises(EtlError) as exc:
        ensure_folder("/proc/x")
    assert str(exc.value) == "cannot create output folder /proc/x: No such file or directory"


def test_made_folder_removes_only_the_empty_folders_it_made_when_the_block_fails(tmp_path):
    (tmp_path / "kept").mkdir()
    with pytest.raises(RuntimeError), made_folder(tmp_path / "kept" / "new" / "newer"):
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]
    assert list((tmp_path / "kept").iterdir()) == []
    with pytest.raises(RuntimeError), made_folder(tmp_path / "kept" / "new") as folder:
        (folder / "written").write_text("x")
        raise RuntimeError("boom")
    assert (tmp_path / "kept" / "new" / "written").is_file()
    with made_folder(tmp_path / "ok"):
        pass
    assert (tmp_path / "ok").is_dir()


def test_a_held_lock_stops_a_second_holder_naming_the_output_and_pid(tmp_path):
    with OutputLock(tmp_path / ".lock", "out/"):
        assert (tmp_path / ".lock").read_text() == str(os.getpid())
        with pytest.raises(EtlError) as exc, OutputLock(tmp_path / ".lock", "out/"):
            pass
        assert str(exc.value) == f"another run is writing to out/ (pid {os.getpid()}); wait for it to finish"
    assert not (tmp_path / ".lock").exists()  # released and removed
    with OutputLock(tmp_path / ".lock", "out/"):  # free again
        pass


def test_a_lock_held_by_another_process(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "x" / ".lock"), "the output"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(EtlError) as exc, OutputLock(tmp_path / "x" / ".lock", "the output"):
            pass
        assert str(exc.value) == f"another run is writing to the output (pid {holder.pid}); wait for it to finish"
    finally:
        holder.kill()
        holder.wait()
    # A killed holder leaves its file, but not its lock.
    assert (tmp_path / "x" / ".lock").read_text() == str(holder.pid)
    with OutputLock(tmp_path / "x" / ".lock", "the output"):
        assert (tmp_path / "x" / ".lock").read_text() == str(os.getpid())


def test_a_lock_file_removed_while_being_opened_is_not_shared(tmp_path, monkeypatch):
    """The holder removes its file on release; a run that opened the old file
    just before must not count a lock on it as holding the output."""
    path = tmp_path / ".lock"
    first = OutputLock(path, "out")
    first.__enter__()
    real_open, opened = os.open, []

    def open_then_release_first(file, flags, mode=0o777):
        fd = real_open(file, flags, mode)
        if not opened:
            opened.append(fd)
            first.__exit__(None, None, None)  # removes the file this run just opened
            time.sleep(0.01)
        return fd

    monkeypatch.setattr(os, "open", open_then_release_first)
    second = OutputLock(path, "out")
    with second:
        monkeypatch.setattr(os, "open", real_open)
        assert path.is_file()
        assert os.fstat(second._fd).st_ino == os.stat(path).st_ino
        with pytest.raises(EtlError, match="another run is writing to out"), OutputLock(path, "out"):
            pass


def test_locked_output_makes_the_folder_and_leaves_no_lock_behind(tmp_path):
    with locked_output(tmp_path / "out", ".run.lock") as folder:
        assert (folder / ".run.lock").is_file()
        with pytest.raises(EtlError) as exc, locked_output(tmp_path / "out", ".run.lock", output="out.db"):
            pass
        assert str(exc.value) == f"another run is writing to out.db (pid {os.getpid()}); wait for it to finish"
    assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(RuntimeError), locked_output(tmp_path / "new", ".run.lock"):
        raise RuntimeError("boom")
    assert not (tmp_path / "new").exists()
