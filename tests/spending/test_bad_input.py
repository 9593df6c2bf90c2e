"""Bad input stops the run with one clear error naming the file, row and column."""

from __future__ import annotations

import duckdb
import pytest

from etl.cli import main
from etl.core.errors import EtlError
from etl.pipelines.spending.pipeline import CUSTOMERS, PURCHASES, check_input, header_names

CUSTOMERS_HEADER = "customer_id,first_name,last_name,email,age\n"
PURCHASES_HEADER = "customer_id,product,price\n"


def write_inputs(folder, customers: str, purchases: str):
    folder.mkdir(exist_ok=True)
    (folder / "customers.csv").write_text(customers, encoding="utf-8")
    (folder / "purchases.csv").write_text(purchases, encoding="utf-8")
    return folder


def run_cli(capsys, input_dir, output_dir) -> tuple[int, str, str]:
    code = main(["spending", "--input", str(input_dir), "--output", str(output_dir), "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("customers", "expected"),
    [
        ([(None, "A", "B", None, "20")], "customers.csv, row 1, column customer_id: the value is empty"),
        (
            [("1", "A", "B", None, "20"), ("x7", "A", "B", None, "20")],
            "customers.csv, row 2, column customer_id: 'x7' is not a whole number of at most 18 digits",
        ),
        (
            [("1", "A", "B", None, "20"), ("2", "A", "B", None, "20"), (" 1", "C", "D", None, "30")],
            "customers.csv, row 3, column customer_id: '1' repeats the customer_id of row 1",
        ),
        ([("1", "A", "B", None, "34.5")], "customers.csv, row 1, column age: '34.5' is not a whole number of years"),
        ([("1", "A", "B", None, "-3")], "customers.csv, row 1, column age: '-3' is not a whole number of years"),
        ([("1", "A", "B", None, "131")], "customers.csv, row 1, column age: '131' is over 130"),
        (
            [("1", "A", "B", None, "old"), ("2", "A", "B", None, "")],
            "customers.csv, row 1, column age: 'old' is not a whole number of years",
        ),
        (
            [("1.5", "A", "B", None, "old"), ("zz", "A", "B", None, "20")],
            "customers.csv, row 1, column age: 'old' is not a whole number of years"
            " (and 2 more bad values in this file)",
        ),
    ],
)
def test_bad_customer_values(raw_tables, customers, expected):
    runner = raw_tables(customers, [])
    with pytest.raises(EtlError) as caught:
        check_input(runner, "customers.csv", CUSTOMERS)
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("abc", "'abc' is not a number"),
        ("12,50", "'12,50' is not a number"),
        ("nan", "'nan' is not a number"),
        (None, "the value is empty"),
        ("-5", "'-5' is negative"),
        ("1.999", "'1.999' has more than 2 decimal places"),
        ("1e3", "'1e3' is not a plain amount like 12 or 12.50 (at most 16 digits before the point)"),
    ],
)
def test_bad_prices(raw_tables, price, expected):
    runner = raw_tables([], [("1", "Mouse", "10"), ("1", "Mouse", price)])
    with pytest.raises(EtlError) as caught:
        check_input(runner, "purchases.csv", PURCHASES)
    assert str(caught.value) == f"purchases.csv, row 2, column price: {expected}"


def test_bad_purchase_customer_id_but_empty_one_is_fine(raw_tables):
    runner = raw_tables([], [(None, "Mouse", "10"), ("7a", "Mouse", "10")])
    with pytest.raises(EtlError) as caught:
        check_input(runner, "purchases.csv", PURCHASES)
    assert str(caught.value) == (
        "purchases.csv, row 2, column customer_id: '7a' is not a whole number of at most 18 digits"
    )


def test_good_values_pass(raw_tables):
    runner = raw_tables(
        [("1", "A", "B", None, "0"), (" 2 ", None, None, None, None), ("3", "C", "D", None, " 130 ")],
        [(None, "Mouse", "0"), ("9", None, " 12.5 "), ("1", "Mouse", "1500.00")],
    )
    check_input(runner, "customers.csv", CUSTOMERS)
    check_input(runner, "purchases.csv", PURCHASES)


def test_non_numeric_price_in_a_file(tmp_path, capsys):
    folder = write_inputs(
        tmp_path / "in",
        CUSTOMERS_HEADER + "1,Ann,Lee,a@x.org,30\n",
        PURCHASES_HEADER + "1,Mouse,20\n1,Laptop,twelve\n",
    )
    code, out, err = run_cli(capsys, folder, tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == f"Error: {folder / 'purchases.csv'}, row 2, column price: 'twelve' is not a number\n"
    assert not (tmp_path / "out").exists()


def test_missing_file(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in", CUSTOMERS_HEADER + "1,Ann,Lee,a@x.org,30\n", PURCHASES_HEADER)
    (folder / "purchases.csv").unlink()
    code, out, err = run_cli(capsys, folder, tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == f"Error: input file not found: {folder / 'purchases.csv'}\n"


def test_missing_input_folder(tmp_path, capsys):
    code, out, err = run_cli(capsys, tmp_path / "nowhere", tmp_path / "out")
    assert (code, out, err) == (1, "", f"Error: input folder not found: {tmp_path / 'nowhere'}\n")


def test_missing_column(tmp_path, capsys):
    folder = write_inputs(
        tmp_path / "in",
        CUSTOMERS_HEADER + "1,Ann,Lee,a@x.org,30\n",
        "customer_id,product,cost\n1,Mouse,20\n",
    )
    code, out, err = run_cli(capsys, folder, tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {folder / 'purchases.csv'}: missing column 'price' (the header has: customer_id, product, cost)\n"
    )


def test_missing_columns_in_customers(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in", "id,first_name,last_name\n1,Ann,Lee\n", PURCHASES_HEADER)
    code, out, err = run_cli(capsys, folder, tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {folder / 'customers.csv'}: missing columns 'customer_id', 'email', 'age'"
        " (the header has: id, first_name, last_name)\n"
    )


def test_header_names_match_case_insensitively_and_extra_columns_are_ignored(tmp_path, capsys):
    folder = write_inputs(
        tmp_path / "in",
        "Customer_ID,First_Name,Last_Name,Email,Age,City\n1,Ann,Lee,a@x.org,30,Oslo\n",
        "customer_id,product,PRICE,currency\n1,Mouse,20,EUR\n",
    )
    code, _, err = run_cli(capsys, folder, tmp_path / "out")
    assert (code, err) == (0, "")
    assert (tmp_path / "out" / "combined_data.csv").read_text(encoding="utf-8") == (
        "customer_id,full_name,email,age,age_group,purchase_row,product,price,match_status\n"
        "1,Ann Lee,a@x.org,30,Middle-aged,1,Mouse,20.00,matched\n"
    )


def test_empty_file(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in", "", PURCHASES_HEADER)
    code, out, err = run_cli(capsys, folder, tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {folder / 'customers.csv'}: the file is empty"
        " (expected a header line: customer_id, first_name, last_name, email, age)\n"
    )


def test_a_failed_run_leaves_earlier_outputs_untouched(tmp_path, capsys):
    good = write_inputs(tmp_path / "good", CUSTOMERS_HEADER + "1,Ann,Lee,a@x.org,30\n", PURCHASES_HEADER)
    out_dir = tmp_path / "out"
    assert run_cli(capsys, good, out_dir)[0] == 0
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    bad = write_inputs(tmp_path / "bad", CUSTOMERS_HEADER + "1,Ann,Lee,a@x.org,thirty\n", PURCHASES_HEADER)
    assert run_cli(capsys, bad, out_dir)[0] == 1
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before
    assert sorted(before) == [
        "_summary.json",
        "age_group_spending.csv",
        "combined_data.csv",
        "total_spending_by_age_group.png",
    ]


@pytest.mark.parametrize(
    ("customers", "expected"),
    [
        (
            "1,Ann,Lee,a@x.org,30\n2,Bo,Ek,b@x.org,40,extra\n",
            "line 3: 6 fields, but the header has 5 (the line reads '2,Bo,Ek,b@x.org,40,extra')",
        ),
        (
            "1,Ann,Lee,a@x.org,30\n2,Bo,Ek\n3,Cy,Ng,c@x.org,50\n",
            "line 3: 3 fields, but the header has 5 (the line reads '2,Bo,Ek')",
        ),
        (
            "2,Bo,Ek,b@x.org,40,x,y,z\n",
            "line 2: 8 fields, but the header has 5 (the line reads '2,Bo,Ek,b@x.org,40,x,y,z')",
        ),
        ("1,Ann,Lee,a@x.org,30\n \n", "line 3: 1 field, but the header has 5 (the line is blank)"),
        (
            '1,"Ann\nMarie",Lee,a@x.org,30\n2,Bo,Ek,b@x.org\n',
            "line 3: 4 fields, but the header has 5 (the line reads '2,Bo,Ek,b@x.org')",
        ),
        (
            '1,Ann,Lee,a@x.org,30\n2,"Bo,Ek,b@x.org,40\n3,Cy,Ng,c@x.org,50\n',
            "line 3: a quoted value is not closed (the line reads '2,\"Bo,Ek,b@x.org,40')",
        ),
    ],
)
def test_a_malformed_row_is_an_error_naming_its_line(tmp_path, capsys, customers, expected):
    """The dialect is fixed: the reader names the row, where the sniffer it
    replaced said "It was not possible to automatically detect the CSV
    parsing dialect". DuckDB counts a quoted value spanning lines as one line."""
    folder = write_inputs(tmp_path / "in", CUSTOMERS_HEADER + customers, PURCHASES_HEADER)
    code, out, err = run_cli(capsys, folder, tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == f"Error: {folder / 'customers.csv'}, {expected}\n"
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_utf8(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in", CUSTOMERS_HEADER, PURCHASES_HEADER)
    (folder / "customers.csv").write_bytes(CUSTOMERS_HEADER.encode() + b"1,Ren\xe9,Lee,r@x.org,30\n")
    code, out, err = run_cli(capsys, folder, tmp_path / "out")
    assert (code, out) == (1, "")
    assert err == f"Error: {folder / 'customers.csv'}, line 2: not valid UTF-8 (the file must be UTF-8)\n"
    (folder / "customers.csv").write_bytes(b"customer_id,first_n\xe9me,last_name,email,age\n1,A,B,c,30\n")
    assert run_cli(capsys, folder, tmp_path / "out") == (
        1,
        "",
        f"Error: {folder / 'customers.csv'}, line 1: the header is not valid UTF-8 (byte 20)\n",
    )


def test_an_empty_header_line(tmp_path, capsys):
    folder = write_inputs(tmp_path / "in", "\n1,Ann,Lee,a@x.org,30\n", PURCHASES_HEADER)
    assert run_cli(capsys, folder, tmp_path / "out") == (
        1,
        "",
        f"Error: {folder / 'customers.csv'}, line 1: the header line is empty\n",
    )


def test_header_names_are_the_names_duckdb_gives_them(tmp_path):
    """The reader is given the header's names instead of sniffing them: they
    must be the names the sniffing reader gave, so nothing else changes."""
    path = tmp_path / "x.csv"
    path.write_bytes(b'\xef\xbb\xbfa, b ,,A,"x,y",b,"q""uote"\r\n1,2,3,4,5,6,7\r\n')
    sniffed = duckdb.sql(
        f"select column_name from (describe select * from read_csv('{path}', header = true, all_varchar = true))"
    ).fetchall()
    assert header_names(path) == [name for (name,) in sniffed] == ["a", "b", "column2", "A_1", "x,y", "b_1", 'q"uote']
