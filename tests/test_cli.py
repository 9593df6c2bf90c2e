"""The command line as a whole: every command documents itself, usage errors exit 2."""

from __future__ import annotations

import argparse

import pytest

from etl.cli import build_parser, main


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
