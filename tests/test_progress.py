"""Progress bars: none under --quiet or without a terminal, and then no tqdm."""

from __future__ import annotations

import io

from etl.core.progress import NoBar, progress


def test_a_quiet_bar_passes_the_items_through_and_counts_updates():
    bar = progress(["a", "b", "c"], total=3, desc="x", quiet=True)
    assert isinstance(bar, NoBar)
    assert list(bar) == ["a", "b", "c"]
    bar.update(2)
    bar.update()
    bar.total = bar.n + 4
    bar.set_postfix_str("1 rows/s")
    bar.close()
    assert (bar.n, bar.total) == (3, 7)


def test_without_a_terminal_there_is_no_bar_even_when_not_quiet(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    bar = progress(total=2, quiet=False)
    assert isinstance(bar, NoBar)
    assert list(bar) == []


def test_a_terminal_gets_a_tqdm_bar(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    bar = progress(range(3), total=3, desc="days", unit="day")
    assert type(bar).__name__ == "tqdm"
    assert list(bar) == [0, 1, 2]
    bar.close()
    assert "days" in err.getvalue()
