"""One run at a time per output folder, output folders that cannot be made,
and the command's help and report wording."""

from __future__ import annotations

import os

import pytest

from etl.cli import main
from etl.core.locking import OutputLock
from etl.pipelines.spending.pipeline import LOCK_NAME

CUSTOMERS = "customer_id,first_name,last_name,email,age\n1,Ann,Lee,a@x.org,30\n"
PURCHASES = "customer_id,product,price\n1,Mouse,20\n"


def one_of_each(folder):
    folder.mkdir()
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (folder / "purchases.csv").write_text(PURCHASES, encoding="utf-8")
    return folder


def test_a_run_while_another_writes_stops_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    with OutputLock(out / LOCK_NAME, out):
        assert main(["spending", "--output", str(out)]) == 1
        assert capsys.readouterr() == (
            "",
            f"Error: another run is writing to {out} (pid {os.getpid()}); wait for it to finish\n",
        )
        assert [p.name for p in out.iterdir()] == [LOCK_NAME]
    assert main(["spending", "--output", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "_summary.json",
        "age_group_spending.csv",
        "combined_data.csv",
        "total_spending_by_age_group.png",
    ]


@pytest.mark.parametrize(
    ("output", "error"),
    [
        ("afile", "output folder {tmp}/afile exists and is not a folder"),
        ("afile/sub", "cannot create output folder {tmp}/afile/sub: {tmp}/afile is not a folder"),
        ("/proc/x", "cannot create output folder /proc/x: No such file or directory"),
    ],
)
def test_an_output_that_cannot_be_a_folder(tmp_path, capsys, output, error):
    (tmp_path / "afile").write_text("not a folder")
    target = output if output.startswith("/") else str(tmp_path / output)
    assert main(["spending", "--output", target]) == 1
    assert capsys.readouterr() == ("", f"Error: {error.format(tmp=tmp_path)}\n")


def test_the_report_says_1_customer_not_1_customers(tmp_path, capsys):
    folder = one_of_each(tmp_path / "in")
    out = tmp_path / "out"
    assert main(["spending", "--input", str(folder), "--output", str(out)]) == 0
    assert capsys.readouterr() == (
        "spending: 1 customer, 1 purchase -> 1 combined row\n"
        "  0 customers without purchases, 0 purchases without a customer,"
        " 0 purchase rows that exactly repeat an earlier one (kept)\n"
        "  total spending 20.00 (= the sum of every price)\n"
        f"wrote combined_data.csv, age_group_spending.csv, total_spending_by_age_group.png to {out}\n",
        "",
    )


def test_one_more_bad_value_is_singular(tmp_path, capsys):
    folder = one_of_each(tmp_path / "in")
    (folder / "purchases.csv").write_text("customer_id,product,price\n1,Mouse,x\n1,Pad,y\n", encoding="utf-8")
    assert main(["spending", "--input", str(folder), "--output", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (
        f"Error: {folder / 'purchases.csv'}, row 1, column price: 'x' is not a number"
        " (and 1 more bad value in this file)\n"
    )


def test_the_help_names_each_default_once(capsys):
    with pytest.raises(SystemExit):
        main(["spending", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "--input DIR folder holding customers.csv and purchases.csv"
        " (default: the bundled sample, samples/spending/) --output" in text
    )
    assert "--output DIR folder for the three outputs (default: output/spending/) --currency" in text


def test_a_rerun_on_the_same_input_writes_the_same_files(tmp_path):
    out = tmp_path / "out"
    assert main(["spending", "--output", str(out), "--quiet"]) == 0
    first = {name: (out / name).read_bytes() for name in ("combined_data.csv", "age_group_spending.csv")}
    first_chart = (out / "total_spending_by_age_group.png").read_bytes()
    assert main(["spending", "--output", str(out), "--quiet"]) == 0
    assert {name: (out / name).read_bytes() for name in first} == first
    assert (out / "total_spending_by_age_group.png").read_bytes() == first_chart
