"""The `spending` command end to end: help, the bundled sample, a subprocess run, the real files."""

from __future__ import annotations

import csv
import json
import struct
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from etl.cli import main
from etl.core.paths import PROJECT_ROOT, SAMPLES_DIR
from etl.pipelines.spending.chart import axis_label, money, wrap_label

OUTPUTS = ["_summary.json", "age_group_spending.csv", "combined_data.csv", "total_spending_by_age_group.png"]
COMBINED_COLUMNS = [
    "customer_id",
    "full_name",
    "email",
    "age",
    "age_group",
    "purchase_row",
    "product",
    "price",
    "match_status",
]
SUMMARY_COLUMNS = ["age_group", "min_age", "below_age", "customers", "purchases", "total_spending"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def price_sum(path: Path) -> Decimal:
    """The sum of every price, read with Python's csv module: independent of the SQL."""
    return sum((Decimal(row["price"]) for row in read_csv(path)), Decimal(0))


def test_help_has_description_and_example(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["spending", "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert "Join customers.csv and purchases.csv on customer_id" in out
    assert "examples:\n  python etl_process.py spending --output output/spending/\n" in out
    assert "--currency UNIT" in out


def test_bundled_sample(tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["spending", "--output", str(out_dir)]) == 0
    assert capsys.readouterr() == (
        "spending: 120 customers, 240 purchases -> 284 combined rows\n"
        "  44 customers without purchases, 3 purchases without a customer,"
        " 1 purchase row that exactly repeats an earlier one (kept)\n"
        "  total spending 179,569.34 (= the sum of every price)\n"
        f"wrote combined_data.csv, age_group_spending.csv, total_spending_by_age_group.png to {out_dir}\n",
        "",
    )
    assert sorted(p.name for p in out_dir.iterdir()) == OUTPUTS
    assert read_csv(out_dir / "age_group_spending.csv") == [
        dict(zip(SUMMARY_COLUMNS, row, strict=True))
        for row in [
            ("Under 18", "0", "18", "1", "3", "2005.53"),
            ("Young", "18", "30", "24", "46", "38442.53"),
            ("Middle-aged", "30", "45", "32", "72", "51715.02"),
            ("Senior", "45", "", "62", "111", "81770.80"),
            ("Unknown age", "", "", "1", "5", "4300.47"),
            ("No customer record", "", "", "0", "3", "1334.99"),
        ]
    ]
    combined = read_csv(out_dir / "combined_data.csv")
    assert combined[0] == {
        "customer_id": "1",
        "full_name": "Mary Ann van der Berg",
        "email": "maryann.vanderberg.1@example.com",
        "age": "17",
        "age_group": "Under 18",
        "purchase_row": "6",
        "product": "Mouse",
        "price": "58.71",
        "match_status": "matched",
    }
    assert combined[-3:] == [
        {**dict.fromkeys(COMBINED_COLUMNS, ""), "customer_id": "9001", "age_group": "No customer record",
         "purchase_row": "238", "product": "Laptop", "price": "999.99", "match_status": "purchase without customer"},
        {**dict.fromkeys(COMBINED_COLUMNS, ""), "customer_id": "9002", "age_group": "No customer record",
         "purchase_row": "239", "product": "Mouse", "price": "25.00", "match_status": "purchase without customer"},
        {**dict.fromkeys(COMBINED_COLUMNS, ""), "age_group": "No customer record",
         "purchase_row": "240", "product": "Monitor", "price": "310.00", "match_status": "purchase without customer"},
    ]  # fmt: skip
    assert price_sum(SAMPLES_DIR / "spending" / "purchases.csv") == Decimal("179569.34")


def test_sample_is_what_the_generator_makes(tmp_path):
    generator = SAMPLES_DIR / "spending" / "generate.py"
    copy = tmp_path / "generate.py"
    copy.write_text(generator.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run([sys.executable, str(copy)], check=True, timeout=60)
    for name in ("customers.csv", "purchases.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLES_DIR / "spending" / name).read_bytes()


def test_subprocess_run_and_bad_usage(tmp_path):
    out_dir = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "etl_process.py", "spending", "--output", str(out_dir), "--quiet", "--currency", "EUR"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert sorted(p.name for p in out_dir.iterdir()) == OUTPUTS

    bad = subprocess.run(
        [sys.executable, "etl_process.py", "spending", "--threads", "0"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "argument --threads: must be at least 1, not 0" in bad.stderr


@pytest.mark.slow
def test_real_files_end_to_end(tmp_path, capsys, shared_data):
    folder = shared_data("spending", "customers.csv").parent
    out_dir = tmp_path / "out"
    assert main(["spending", "--input", str(folder), "--output", str(out_dir), "--threads", "2"]) == 0
    assert capsys.readouterr() == (
        "spending: 50,000 customers, 50,000 purchases -> 68,447 combined rows\n"
        "  18,447 customers without purchases, 0 purchases without a customer,"
        " 2 purchase rows that exactly repeat an earlier one (kept)\n"
        "  total spending 38,660,276.00 (= the sum of every price)\n"
        f"wrote combined_data.csv, age_group_spending.csv, total_spending_by_age_group.png to {out_dir}\n",
        "",
    )
    assert sorted(p.name for p in out_dir.iterdir()) == OUTPUTS

    summary = read_csv(out_dir / "age_group_spending.csv")
    assert header(out_dir / "age_group_spending.csv") == SUMMARY_COLUMNS
    assert [tuple(row.values()) for row in summary] == [
        ("Under 18", "0", "18", "0", "0", "0.00"),
        ("Young", "18", "30", "13979", "13910", "10843976.00"),
        ("Middle-aged", "30", "45", "17500", "17381", "13424403.00"),
        ("Senior", "45", "", "18521", "18709", "14391897.00"),
        ("Unknown age", "", "", "0", "0", "0.00"),
        ("No customer record", "", "", "0", "0", "0.00"),
    ]
    total = sum((Decimal(row["total_spending"]) for row in summary), Decimal(0))
    assert total == price_sum(folder / "purchases.csv") == Decimal("38660276")
    assert sum(int(row["purchases"]) for row in summary) == 50_000
    assert sum(int(row["customers"]) for row in summary) == 50_000

    assert header(out_dir / "combined_data.csv") == COMBINED_COLUMNS
    combined = read_csv(out_dir / "combined_data.csv")
    assert len(combined) == 68_447
    assert sum(row["match_status"] == "customer without purchases" for row in combined) == 18_447
    assert sorted(int(row["purchase_row"]) for row in combined if row["purchase_row"]) == list(range(1, 50_001))

    assert png_size(out_dir / "total_spending_by_age_group.png") == (1000, 600)
    assert (out_dir / "total_spending_by_age_group.png").stat().st_size > 20_000


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("0.00"), "0"), (Decimal("14391897.00"), "14,391,897"), (Decimal("1020.49"), "1,020.49")],
)
def test_money(value, text):
    assert money(value) == text


def test_axis_label_and_wrapping():
    assert axis_label(None) == "Total spending (currency not stated in the data)"
    assert axis_label("  ") == "Total spending (currency not stated in the data)"
    assert axis_label("EUR") == "Total spending (EUR)"
    assert wrap_label("No customer record") == "No customer\nrecord"
    assert wrap_label("Middle-aged\n30–44") == "Middle-aged\n30–44"


def test_the_run_summary(tmp_path):
    from etl.pipelines.spending import Settings, run

    out_dir = tmp_path / "out"
    returned = run(Settings(output=out_dir, currency="EUR"))

    written = json.loads((out_dir / "_summary.json").read_text())
    assert written == json.loads(json.dumps(returned, default=str))
    assert written["pipeline"] == "spending"
    assert written["settings"]["currency"] == "EUR"
    assert written["inputs"] == {
        "files": 2,
        "rows": 360,
        "by_file": [
            {"path": str(SAMPLES_DIR / "spending" / "customers.csv"), "rows": 120},
            {"path": str(SAMPLES_DIR / "spending" / "purchases.csv"), "rows": 240},
        ],
    }
    assert written["rows_out"] == {"combined_data.csv": 284, "age_group_spending.csv": 6}
    assert written["rejects"] == {}
    assert written["outputs"] == [
        {"path": "combined_data.csv", "rows": 284},
        {"path": "age_group_spending.csv", "rows": 6},
        {"path": "total_spending_by_age_group.png", "bars": 6},
    ]
    assert written["check"] == {
        "rule": "purchases + customers without purchases = combined rows",
        "left": 284,
        "right": 284,
    }
    assert len(read_csv(out_dir / "combined_data.csv")) == 284
    assert len(read_csv(out_dir / "age_group_spending.csv")) == 6
