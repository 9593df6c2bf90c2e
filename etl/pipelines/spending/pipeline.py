"""`spending`: the age-group spending report.

Reads `customers.csv` and `purchases.csv`, joins them on `customer_id` so that
nothing is lost (a full outer join), puts every row in exactly one age group,
and writes `combined_data.csv`, `age_group_spending.csv` and a bar chart. The
logic is the SQL in `sql/spending/`; this module finds the files, runs the
steps in order, turns bad input into one clear error, and writes the outputs
atomically (temp files renamed into place only once all three are ready).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.core.files import atomic_outputs
from etl.core.locking import locked_output
from etl.core.options import plural
from etl.core.paths import OUTPUT_DIR, SAMPLES_DIR
from etl.core.progress import progress
from etl.core.summary import RunClock, check_balance, run_summary, write_summary

ORDER = 60
PIPELINE = "spending"
DEFAULT_INPUT = SAMPLES_DIR / PIPELINE
DEFAULT_OUTPUT = OUTPUT_DIR / PIPELINE

COMBINED_CSV = "combined_data.csv"
SUMMARY_CSV = "age_group_spending.csv"
CHART_PNG = "total_spending_by_age_group.png"
LOCK_NAME = ".spending.lock"  # in the output folder, while a run writes there


@dataclass(frozen=True)
class InputFile:
    """One input CSV: its name in --input, the raw table it fills, the columns it must have."""

    name: str
    table: str
    required: tuple[str, ...]
    check_sql: str


CUSTOMERS = InputFile(
    name="customers.csv",
    table="raw_customers",
    required=("customer_id", "first_name", "last_name", "email", "age"),
    check_sql="03_find_bad_customers.sql",
)
PURCHASES = InputFile(
    name="purchases.csv",
    table="raw_purchases",
    required=("customer_id", "product", "price"),
    check_sql="04_find_bad_purchases.sql",
)

TRANSFORM_STEPS = (
    "05_create_age_groups.sql",
    "06_stage_customers.sql",
    "07_stage_purchases.sql",
    "08_combine.sql",
    "09_summarise_age_groups.sql",
)
# The SQL files in run order: read and check each input (01 and its
# check, 03 or 04), transform, count, write.
STEPS = {
    PIPELINE: (
        "01_read_csv.sql",
        CUSTOMERS.check_sql,
        PURCHASES.check_sql,
        *TRANSFORM_STEPS,
        "10_count_rows.sql",
        "11_write_combined.sql",
        "12_write_age_group_spending.sql",
        "13_read_age_group_spending.sql",
    )
}


@dataclass
class Settings:
    """Read `input`/customers.csv and `input`/purchases.csv, write the report into `output`."""

    input: Path = DEFAULT_INPUT
    output: Path = DEFAULT_OUTPUT
    currency: str | None = None
    threads: int | None = None
    memory_limit: str | None = None
    quiet: bool = True


def run(settings: Settings) -> dict[str, Any]:
    """The whole pipeline; returns the run summary, also written to `output`/_summary.json.

    One run at a time writes an output folder: a second one stops with an
    error before it reads anything, so the three outputs and the summary of
    a folder always come from the same run."""
    clock = RunClock()
    with locked_output(Path(settings.output), LOCK_NAME) as output:
        counts = build_report(
            settings.input,
            output,
            threads=settings.threads,
            memory_limit=settings.memory_limit,
            currency=settings.currency,
            quiet=settings.quiet,
        )
        summary = spending_summary(settings, clock, counts)
        write_summary(output, summary)
    return summary


def spending_summary(settings: Settings, clock: RunClock, counts: dict[str, Any]) -> dict[str, Any]:
    inputs = Path(settings.input)
    return run_summary(
        PIPELINE,
        clock,
        settings,
        inputs=[
            {"path": str(inputs / CUSTOMERS.name), "rows": counts["customers"]},
            {"path": str(inputs / PURCHASES.name), "rows": counts["purchases"]},
        ],
        rows_out={COMBINED_CSV: counts["combined_rows"], SUMMARY_CSV: counts["age_groups"]},
        rejects={},
        outputs=[
            {"path": COMBINED_CSV, "rows": counts["combined_rows"]},
            {"path": SUMMARY_CSV, "rows": counts["age_groups"]},
            {"path": CHART_PNG, "bars": counts["age_groups"]},
        ],
        check=check_no_loss(counts),
        counts=counts,
    )


def build_report(
    input_dir: Path,
    output_dir: Path,
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    currency: str | None = None,
    quiet: bool = True,
) -> dict[str, Any]:
    """The whole pipeline: read, check, transform, write. Returns the run's counts."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise EtlError(f"input folder not found: {input_dir}")
    con = connect(threads=threads, memory_limit=memory_limit)
    try:
        runner = SqlRunner(con, PIPELINE)
        for spec in (CUSTOMERS, PURCHASES):
            read_input(runner, input_dir / spec.name, spec)
            check_input(runner, input_dir / spec.name, spec)
        transform(runner, quiet=quiet)
        counts = count_rows(runner)
        check_no_loss(counts)
        groups = write_outputs(runner, Path(output_dir), currency=currency)
        return {**counts, "age_groups": groups}
    finally:
        con.close()


def read_input(runner: SqlRunner, path: Path, spec: InputFile) -> None:
    """Load one CSV as text into its raw table; a missing file or column, or a
    malformed row, stops the run naming the file (and the line)."""
    if not path.is_file():
        raise EtlError(f"input file not found: {path}")
    if path.stat().st_size == 0:
        raise EtlError(f"{path}: the file is empty (expected a header line: {', '.join(spec.required)})")
    found = header_names(path)
    try:
        runner.execute("01_read_csv.sql", {"path": path, "columns": dict.fromkeys(found, "VARCHAR")}, table=spec.table)
    except EtlError as exc:
        raise EtlError(csv_error(path, str(exc.__cause__ or exc))) from exc
    missing = missing_columns(spec.required, found)
    if missing:
        names = ", ".join(repr(m) for m in missing)
        noun = "column" if len(missing) == 1 else "columns"
        raise EtlError(f"{path}: missing {noun} {names} (the header has: {', '.join(found)})")


def header_names(path: Path) -> list[str]:
    """The column names of the header line, read in the fixed dialect (comma,
    double quote) and named as DuckDB names them: trimmed, an empty name
    `column<N>` (N from 0), a name repeated (in any case) `<name>_<k>`.

    The names are given to the reader, so DuckDB never sniffs the file: a
    sniffer facing a malformed row reports that it found no dialect, where
    the fixed dialect reports the row.
    """
    with open(path, "rb") as fh:
        first = fh.readline().removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EtlError(f"{path}, line 1: the header is not valid UTF-8 (byte {exc.start + 1})") from None
    if not text.strip():
        raise EtlError(f"{path}, line 1: the header line is empty")
    names, seen = [], set()
    for number, name in enumerate(next(csv.reader([text]), [])):
        name = name.strip() or f"column{number}"
        unique, k = name, 0
        while unique.lower() in seen:
            k += 1
            unique = f"{name}_{k}"
        seen.add(unique.lower())
        names.append(unique)
    return names


def csv_error(path: Path, message: str) -> str:
    """DuckDB's reason for rejecting a CSV file as one line naming the file and,
    when DuckDB knows it, the line (DuckDB counts a quoted value spanning
    lines as one) and what is wrong with it."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    original = re.search(r"Original Line: ([^\n]*)", message)
    if not line:
        return f"{path}: not a readable CSV file (comma-separated, UTF-8): {csv_reason(message)}"
    text = original.group(1).strip() if original else ""
    shown = f" (the line reads {text[:80] + ('...' if len(text) > 80 else '')!r})" if text else " (the line is blank)"
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if columns:
        fields = len(next(csv.reader([text]), [])) if text else int(columns.group(2))
        what = f"{plural(fields, 'field')}, but the header has {columns.group(1)}"
    elif "unterminated quote" in message:
        what = "a quoted value is not closed"
    elif "Invalid unicode" in message:
        return f"{path}, line {line.group(1)}: not valid UTF-8 (the file must be UTF-8)"
    else:
        what = csv_reason(message)
    return f"{path}, line {line.group(1)}: {what}{shown}"


def csv_reason(message: str) -> str:
    """DuckDB's reason for rejecting a CSV file, without its list of reader options and fixes."""
    reason = " ".join(message.split()).split("Invalid Input Error: ", 1)[-1]
    for marker in (" Possible Solution", " Possible fixes", " The search space", " file = "):
        reason = reason.split(marker, 1)[0]
    return reason.strip()


def missing_columns(required: Sequence[str], found: Sequence[str]) -> list[str]:
    """Required columns the header lacks; names match case-insensitively, as SQL identifiers do."""
    present = {name.lower() for name in found}
    return [name for name in required if name.lower() not in present]


def check_input(runner: SqlRunner, path: Path | str, spec: InputFile) -> None:
    """Stop at the first unusable value, naming the file, row and column."""
    problems = runner.fetch(spec.check_sql)
    if problems:
        raise EtlError(describe_problems(path, problems))


def describe_problems(path: Path | str, problems: Sequence[tuple]) -> str:
    row_number, column, value, problem = problems[0]
    what = f"{value!r} {problem}" if value is not None else f"the value {problem}"
    message = f"{path}, row {row_number}, column {column}: {what}"
    if len(problems) > 1:
        message += f" (and {plural(len(problems) - 1, 'more bad value')} in this file)"
    return message


def transform(runner: SqlRunner, *, quiet: bool = True) -> None:
    """Run the staging, join and summary steps on the checked raw tables."""
    for step in progress(TRANSFORM_STEPS, desc=PIPELINE, unit="step", quiet=quiet):
        runner.execute(step)


def count_rows(runner: SqlRunner) -> dict[str, Any]:
    """The run's counts; the report's total must equal the sum of all prices."""
    cur = runner.execute("10_count_rows.sql")
    names = [d[0] for d in cur.description]
    counts = dict(zip(names, cur.fetchone(), strict=True))
    if counts["report_total"] != counts["purchases_total"]:
        raise EtlError(
            f"sql/spending/09_summarise_age_groups.sql: group totals {counts['report_total']}"
            f" do not add up to the sum of all prices {counts['purchases_total']}"
        )
    return counts


def check_no_loss(counts: dict[str, Any]) -> dict[str, Any]:
    """Every purchase row is one combined row, and so is every customer without one."""
    return check_balance(
        "purchases + customers without purchases = combined rows",
        counts["purchases"] + counts["customers_without_purchases"],
        counts["combined_rows"],
        where="sql/spending/08_combine.sql",
    )


def write_outputs(runner: SqlRunner, output_dir: Path, *, currency: str | None) -> int:
    """Write all three outputs to temp files, then rename them into place
    together; returns the number of age groups."""
    names = (COMBINED_CSV, SUMMARY_CSV, CHART_PNG)
    with atomic_outputs(*(output_dir / name for name in names)) as (combined, summary, chart):
        runner.execute("11_write_combined.sql", {"path": combined})
        runner.execute("12_write_age_group_spending.sql", {"path": summary})
        # matplotlib loads only when a chart is drawn, not on every CLI start.
        from etl.pipelines.spending.chart import ChartBar, draw_chart

        bars = [ChartBar(*row) for row in runner.fetch("13_read_age_group_spending.sql")]
        draw_chart(bars, chart, currency=currency)
    return len(bars)
