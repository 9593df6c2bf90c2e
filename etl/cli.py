"""The command line: `python etl_process.py [COMMAND] ...`, `etl [COMMAND] ...`
(installed) or `python -m etl [COMMAND] ...`.

Each pipeline's `etl/pipelines/<name>/command.py` registers its own
commands (a `register` function and an `ORDER` for the help listing), so
adding a pipeline never touches this file. Nothing imports this module but
the entry points. Without a command, the telemetry pipeline runs.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import pkgutil
import signal
import sys
import traceback
from collections.abc import Sequence

import etl.pipelines
from etl.core.errors import EtlError, interrupted_by, stop_on_signals
from etl.core.options import HelpFormatter, positive_int

DEFAULT_COMMAND = "telemetry"

EPILOG = """\
examples:
  python etl_process.py --input data/ --output output/
  python etl_process.py telemetry --input data/ --output output/ --fill forward --max-gap 30s
  python etl_process.py plot --output output/
  python etl_process.py COMMAND --help

Without a COMMAND the telemetry pipeline runs. Exit codes: 0 success,
1 failure (one `Error: ...` line), 2 bad usage, 130 stopped by Ctrl-C
(SIGINT) and 143 by SIGTERM (both print `Error: interrupted`, within about a
second, and leave the outputs as the last finished step left them).
"""


def common_options() -> argparse.ArgumentParser:
    """Options every command takes."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument("--quiet", action="store_true", help="print nothing but errors; no progress bar")
    group.add_argument("--verbose", action="store_true", help="show the traceback when a command fails")
    group.add_argument("--threads", type=positive_int, metavar="N", help="DuckDB threads (default: all cores)")
    group.add_argument(
        "--memory-limit",
        type=memory_size,
        metavar="SIZE",
        help="DuckDB memory limit, e.g. 1GB, 512MB or 1.5GiB (default: the command's own)",
    )
    return common


def memory_size(text: str) -> str:
    """A memory limit as DuckDB reads it: a number and a unit (KB, MB, GB,
    TB are 1000^i bytes, KiB, MiB, GiB, TiB 1024^i); DuckDB takes no bare
    number and no percentage."""
    # The engine (and DuckDB) loads with the commands, not with this module:
    # the entry points import it before Ctrl-C is handled.
    from etl.core.engine import parse_size, size_unit

    example = "(e.g. 512MB, 1GB, 1.5GiB)"
    if text.strip().endswith("%"):
        raise argparse.ArgumentTypeError(f"{text!r}: DuckDB takes a size, not a share of the memory {example}")
    try:
        size = parse_size(text)
    except EtlError:
        raise argparse.ArgumentTypeError(f"not a memory size: {text!r} {example}") from None
    if not size_unit(text):
        raise argparse.ArgumentTypeError(f"{text!r} has no unit {example}")
    if size <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text!r}")
    return text.strip()


def pipeline_modules() -> list:
    """Each pipeline's command module: `etl/pipelines/<name>/command.py`."""
    modules = [
        importlib.import_module(f"etl.pipelines.{info.name}.command")
        for info in pkgutil.iter_modules(etl.pipelines.__path__)
        if info.ispkg and not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def build_parser(prog: str = "etl_process.py") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="SQL-first ETL pipelines on DuckDB.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    common = common_options()
    for module in pipeline_modules():
        module.register(subparsers, common)
    return parser


def command_names(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def main(argv: Sequence[str] | None = None, *, prog: str = "etl_process.py") -> int:
    """Run one command line; returns the exit code (0, 1 on failure, 2 on bad
    usage, 128 + the signal when SIGINT or SIGTERM stopped it)."""
    with stop_on_signals():
        try:
            return _main(argv, prog)
        except BaseException as exc:  # a stop, wherever it landed: one line
            stop = interrupted_by(exc)
            if stop is None:
                raise
            print("Error: interrupted", file=sys.stderr)
            return stop.exit_code


def _main(argv: Sequence[str] | None, prog: str) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(prog)
    names = command_names(parser)
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help")):
        args_list.insert(0, DEFAULT_COMMAND)
    elif args_list[0] not in names and args_list[0] not in ("-h", "--help"):
        parser.error(_invalid_command(args_list[0], names))
    args = parser.parse_args(args_list)
    if not hasattr(args, "func"):
        parser.parse_args([*args_list, "--help"])
    try:
        return int(args.func(args) or 0)
    except Exception as exc:
        if interrupted_by(exc):
            raise  # a failure a stop caused (a query it interrupted, ...) is the stop
        if isinstance(exc, EtlError):
            return _fail(str(exc), args)
        # An unexpected failure still gets one line.
        return _fail(f"{type(exc).__name__}: {exc} (run with --verbose for the traceback)", args)


def _invalid_command(word: str, names: set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(names), n=1)
    if close:
        return f"invalid choice {word!r} (did you mean {close[0]!r}?)"
    return f"invalid choice {word!r} (choose from {', '.join(sorted(names))})"


def _fail(message: str, args: argparse.Namespace) -> int:
    if getattr(args, "verbose", False):
        traceback.print_exc()
    one_line = " ".join(message.split())
    print(f"Error: {one_line}", file=sys.stderr)
    return 1


def console(prog: str = "etl") -> int:
    """The `etl` command that `pip install .` puts on the PATH (and the other
    entry points): `main`, then a signal that comes once it has returned,
    while the interpreter shuts down, changes nothing."""
    code = main(prog=prog)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    return code
