"""The command line as a whole: every command documents itself, usage errors exit 2."""

from __future__ import annotations

import argparse
import signal

import pytest

from etl.cli import build_parser, main
from etl.core.errors import EtlError, Interrupted, stop, stopped
from etl.pipelines.votes import command as votes_command


def all_parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from all_parsers(sub, (*path, name))


def test_every_command_has_a_description_and_an_example():
    parsers = list(all_parsers(build_parser()))
    assert len(parsers) > 1
    for path, parser in parsers:
        assert parser.description, f"{' '.join(path) or 'top level'} has no description"
        assert parser.epilog and "python etl_process.py" in parser.epilog, (
            f"{' '.join(path) or 'top level'} has no example in its help"
        )


def test_every_subcommand_is_listed_with_help():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    assert set(helps) == set(action.choices)
    assert all(helps.values())


def test_help_exits_0_and_shows_examples(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "telemetry" in out


def test_unknown_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["telemetry", "--no-such-option"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def usage_error(capsys, argv: list[str]) -> str:
    """The last stderr line of a usage error (the lines above are the usage)."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


def test_a_mistyped_command_is_named_with_the_one_meant(capsys):
    meant = "etl_process.py: error: invalid choice 'telemtry' (did you mean 'telemetry'?)"
    assert usage_error(capsys, ["telemtry"]) == meant
    assert usage_error(capsys, ["frobnicate"]).startswith(
        "etl_process.py: error: invalid choice 'frobnicate' (choose from failures, generate-telemetry, plot, "
    )


def test_options_without_a_command_still_run_telemetry(capsys, tmp_path):
    assert main(["--input", str(tmp_path / "missing"), "--output", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == f"Error: input folder not found: {tmp_path / 'missing'}\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "not a memory size: 'lots' (e.g. 512MB, 1GB, 1.5GiB)"),
        ("100", "'100' has no unit (e.g. 512MB, 1GB, 1.5GiB)"),
        ("80%", "'80%': DuckDB takes a size, not a share of the memory (e.g. 512MB, 1GB, 1.5GiB)"),
        ("0MB", "must be more than 0, not '0MB'"),
    ],
)
def test_a_bad_memory_limit_is_a_usage_error_naming_the_option(capsys, value, message):
    last = usage_error(capsys, ["telemetry", "--memory-limit", value])
    assert last == f"etl_process.py telemetry: error: argument --memory-limit: {message}"


@pytest.mark.parametrize("value", ["512MB", "1GB", "1.5GiB", "2 GB", "1gb", "600 MiB"])
def test_memory_limits_as_duckdb_reads_them(value):
    args = build_parser().parse_args(["votes", "ingest", "--memory-limit", value])
    assert args.memory_limit == value


def fail_with(monkeypatch, exc: BaseException) -> None:
    """`votes ingest` raises `exc` instead of running."""

    def run_ingest(args):
        raise exc

    monkeypatch.setattr(votes_command, "run_ingest", run_ingest)


def test_an_unexpected_failure_is_one_line_naming_its_kind(monkeypatch, capsys):
    fail_with(monkeypatch, TypeError("unsupported operand"))
    assert main(["votes", "ingest"]) == 1
    assert capsys.readouterr().err == "Error: TypeError: unsupported operand (run with --verbose for the traceback)\n"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (KeyboardInterrupt(), 130),
        (Interrupted(signal.SIGTERM), 143),
        (RuntimeError("Query interrupted"), 130),
    ],
)
def test_a_stop_is_never_a_failure(monkeypatch, capsys, exc, code):
    """Ctrl-C, SIGTERM, or DuckDB's RuntimeError for a query a Ctrl-C cut short."""
    if isinstance(exc, RuntimeError):
        exc.__cause__ = KeyboardInterrupt()
    fail_with(monkeypatch, exc)
    assert main(["votes", "ingest", "--verbose"]) == code
    assert capsys.readouterr().err == "Error: interrupted\n"


def test_a_failure_once_stopped_is_the_stop(monkeypatch, capsys):
    """What breaks because a stop interrupted it (a query, a cluster's start)."""

    def run_ingest(args):
        stop(signal.SIGINT)
        raise EtlError("cannot start the Dask cluster 'local:2': Nanny failed to start.")

    monkeypatch.setattr(votes_command, "run_ingest", run_ingest)
    assert main(["votes", "ingest"]) == 130
    assert capsys.readouterr().err == "Error: interrupted\n"
    assert not stopped()  # the next command in this process may run


def test_system_exit_passes_through(monkeypatch, capsys):
    fail_with(monkeypatch, SystemExit(3))
    with pytest.raises(SystemExit) as exit_info:
        main(["votes", "ingest"])
    assert exit_info.value.code == 3
    assert capsys.readouterr().err == ""
