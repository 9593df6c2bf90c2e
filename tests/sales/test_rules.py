"""Every quality rule of the sales pipeline on tiny inline rows, with the
exact outcome: which rule fails, what silver keeps, what gold derives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .conftest import GOOD_CUSTOMER, GOOD_SALE, T0

LATER = T0 + dt.timedelta(days=1)


def sale(**changes: object) -> dict:
    return {**GOOD_SALE, **changes}


def customer(**changes: object) -> dict:
    return {**GOOD_CUSTOMER, **changes}


def failed(runner, table: str) -> list[tuple]:
    return runner.con.execute(f"select record_id, failed_rules from {table} order by source_row").fetchall()


@pytest.mark.parametrize(
    ("changes", "rules"),
    [
        ({}, []),
        ({"invoice_no": None}, ["missing_invoice_no"]),
        ({"invoice_no": "   "}, ["missing_invoice_no"]),
        ({"invoice_no": "X100001"}, ["invalid_invoice_no"]),
        ({"invoice_no": " i100001 "}, []),
        ({"customer_id": None}, ["missing_customer_id"]),
        ({"customer_id": "C100001X"}, ["invalid_customer_id"]),
        ({"customer_id": "C999999"}, ["unknown_customer"]),
        ({"customer_id": " c100001"}, []),
        ({"category": "Garden"}, ["unknown_category"]),
        ({"category": None}, ["unknown_category"]),
        ({"category": " BOOKS "}, []),
        ({"shopping_mall": "Nowhere Plaza"}, ["unknown_shopping_mall"]),
        ({"shopping_mall": None}, ["unknown_shopping_mall"]),
        ({"shopping_mall": "  kanyon "}, []),
        ({"quantity": None}, ["invalid_quantity"]),
        ({"quantity": "two"}, ["invalid_quantity"]),
        ({"quantity": "1.5"}, ["invalid_quantity"]),
        ({"quantity": "0"}, ["non_positive_quantity"]),
        ({"quantity": "-1", "price": "-15.15"}, ["non_positive_quantity", "non_positive_price"]),
        ({"price": None}, ["invalid_price"]),
        ({"price": "abc"}, ["invalid_price"]),
        ({"price": "30.300"}, ["invalid_price"]),
        ({"price": "0"}, ["non_positive_price"]),
        ({"price": "-15.15"}, ["non_positive_price"]),
        ({"price": "45.45"}, ["line_total_mismatch"]),
        ({"quantity": "3", "price": "30.3"}, ["line_total_mismatch"]),
        ({"quantity": "3", "price": "45.45"}, []),
        ({"invoice_date": None}, ["invalid_invoice_date"]),
        ({"invoice_date": "31/02/2022"}, ["invalid_invoice_date"]),
        ({"invoice_date": "2022-13-01"}, ["invalid_invoice_date"]),
        ({"invoice_date": "2022-08-05"}, ["invalid_invoice_date"]),
        ({"invoice_date": "5-8-2022"}, ["invalid_invoice_date"]),
        ({"invoice_date": "31-02-2022"}, ["invalid_invoice_date"]),
        ({"invoice_date": "29-02-2024"}, []),
        (
            {"customer_id": None, "quantity": "0", "invoice_date": "x"},
            [
                "missing_customer_id",
                "non_positive_quantity",
                "invalid_invoice_date",
            ],
        ),
    ],
)
def test_each_sales_row_rule(run_rules, changes, rules):
    runner = run_rules([sale(**changes)])
    assert failed(runner, "sales_checked") == [("s.csv#1", rules)]
    expected_quarantine = [("s.csv#1", "sales", rules[0], rules)] if rules else []
    assert (
        runner.con.execute("select record_id, source_table, rule, failed_rules from silver_quarantine").fetchall()
        == expected_quarantine
    )
    assert runner.con.execute("select count(*) from silver_sales").fetchone() == (0 if rules else 1,)


def test_a_clean_row_is_typed_and_normalised_in_silver(run_rules):
    runner = run_rules(
        [
            sale(
                invoice_no=" i100001",
                customer_id="c100001 ",
                category="food  &  BEVERAGE",
                quantity=" 3 ",
                price="15.69",
                shopping_mall=" mall OF  istanbul ",
            )
        ]
    )
    assert runner.con.execute("select * exclude (ingested_at) from silver_sales").fetchall() == [
        (
            "I100001",
            "C100001",
            "Food & Beverage",
            "Mall of Istanbul",
            3,
            Decimal("5.23"),
            Decimal("15.69"),
            dt.date(2022, 8, 5),
            "s.csv#1",
            "b1",
        ),
    ]


def test_an_exact_resend_keeps_the_first_row(run_rules):
    runner = run_rules([sale(), sale()])
    assert failed(runner, "sales_checked") == [("s.csv#1", []), ("s.csv#2", ["duplicate_invoice"])]
    assert runner.con.execute("select record_id from silver_sales").fetchall() == [("s.csv#1",)]


def test_a_later_row_with_other_values_supersedes_the_earlier(run_rules):
    runner = run_rules([sale(), sale(quantity="3", price="45.45")])
    assert failed(runner, "sales_checked") == [("s.csv#1", ["superseded_invoice"]), ("s.csv#2", [])]
    assert runner.con.execute("select record_id, quantity from silver_sales").fetchall() == [("s.csv#2", 3)]


def test_the_later_batch_wins_whatever_the_file_order(run_rules):
    runner = run_rules([sale(quantity="3", price="45.45", _at=LATER), sale()])
    assert failed(runner, "sales_checked") == [("s.csv#1", []), ("s.csv#2", ["superseded_invoice"])]


def test_a_return_to_earlier_values_keeps_their_first_row(run_rules):
    runner = run_rules([sale(), sale(quantity="3", price="45.45"), sale()])
    assert failed(runner, "sales_checked") == [
        ("s.csv#1", []),
        ("s.csv#2", ["superseded_invoice"]),
        ("s.csv#3", ["duplicate_invoice"]),
    ]


def test_an_invalid_resend_does_not_replace_a_valid_row(run_rules):
    runner = run_rules([sale(), sale(quantity="3")])
    assert failed(runner, "sales_checked") == [("s.csv#1", []), ("s.csv#2", ["line_total_mismatch"])]


@pytest.mark.parametrize(
    ("changes", "rules"),
    [
        ({}, []),
        ({"customer_id": None}, ["missing_customer_id"]),
        ({"customer_id": "CX1"}, ["invalid_customer_id"]),
        ({"gender": None}, ["invalid_gender"]),
        ({"gender": "x"}, ["invalid_gender"]),
        ({"gender": " MALE "}, []),
        ({"age": None}, []),
        ({"age": "abc"}, ["invalid_age"]),
        ({"age": "150"}, ["invalid_age"]),
        ({"age": "-1"}, ["invalid_age"]),
        ({"payment_method": "Bitcoin"}, ["invalid_payment_method"]),
        ({"payment_method": None}, ["invalid_payment_method"]),
        ({"payment_method": " credit   CARD"}, []),
        ({"gender": "?", "age": "999"}, ["invalid_gender", "invalid_age"]),
    ],
)
def test_each_customer_row_rule(run_rules, changes, rules):
    runner = run_rules([], [customer(**changes)])
    assert failed(runner, "customers_checked") == [("c.parquet#1", rules)]
    assert runner.con.execute("select count(*) from silver_customers").fetchone() == (0 if rules else 1,)


def test_customer_values_are_normalised(run_rules):
    runner = run_rules([], [customer(customer_id=" c100001", gender=" MALE ", age=None, payment_method="debit card")])
    assert runner.con.execute("select customer_id, gender, age, payment_method from silver_customers").fetchall() == [
        ("C100001", "Male", None, "Debit Card")
    ]


def test_customer_resends(run_rules):
    runner = run_rules([], [customer(), customer(), customer(age="31")])
    assert failed(runner, "customers_checked") == [
        ("c.parquet#1", ["superseded_customer"]),
        ("c.parquet#2", ["superseded_customer"]),
        ("c.parquet#3", []),
    ]
    runner = run_rules([], [customer(), customer(payment_method=" CASH")])
    assert failed(runner, "customers_checked") == [("c.parquet#1", []), ("c.parquet#2", ["duplicate_customer"])]


def test_a_sale_of_a_quarantined_customer_is_quarantined_too(run_rules):
    runner = run_rules([sale()], [customer(gender="unknown")])
    assert failed(runner, "sales_checked") == [("s.csv#1", ["unknown_customer"])]


def test_counts_in_equal_counts_out_plus_quarantined(run_rules):
    runner = run_rules(
        [sale(), sale(), sale(invoice_no="I2", quantity="0"), sale(invoice_no="I3")],
        [customer(), customer(customer_id="C2", age="x")],
    )
    assert runner.fetch("17_count_layers.sql") == [("customers", 2, 1, 1), ("sales", 4, 2, 2)]
    assert runner.fetch("18_count_quarantine_rules.sql") == [
        ("customers", "invalid_age", 1),
        ("sales", "duplicate_invoice", 1),
        ("sales", "non_positive_quantity", 1),
    ]


def test_age_bands(run_rules):
    ages = [None, "17", "18", "24", "25", "34", "35", "44", "45", "54", "55", "64", "65", "120"]
    runner = run_rules([], [customer(customer_id=f"C{n}", age=age) for n, age in enumerate(ages)])
    assert runner.con.execute("select age, age_band from gold_dim_customer order by age nulls first").fetchall() == [
        (None, "unknown"),
        (17, "under 18"),
        (18, "18-24"),
        (24, "18-24"),
        (25, "25-34"),
        (34, "25-34"),
        (35, "35-44"),
        (44, "35-44"),
        (45, "45-54"),
        (54, "45-54"),
        (55, "55-64"),
        (64, "55-64"),
        (65, "65+"),
        (120, "65+"),
    ]


def test_fact_row_has_line_total_and_date_parts(run_rules):
    runner = run_rules([sale(invoice_date="31-12-2022", quantity="3", price="45.45")])
    assert runner.con.execute("select * from gold_fact_sales").fetchall() == [
        (
            "I100001",
            "C100001",
            "Books",
            "Kanyon",
            3,
            Decimal("15.15"),
            Decimal("45.45"),
            dt.date(2022, 12, 31),
            2022,
            4,
            12,
            31,
            6,
            "2022-12",
        ),
    ]


def test_sales_by_segment(run_rules):
    runner = run_rules(
        [
            sale(invoice_no="I1", customer_id="C1", quantity="1", price="15.15"),
            sale(invoice_no="I2", customer_id="C1", quantity="2", price="30.3"),
            sale(invoice_no="I3", customer_id="C2", category="Technology", quantity="1", price="1050"),
            sale(invoice_no="I4", customer_id="C3", quantity="4", price="60.6"),
        ],
        [
            customer(customer_id="C1", gender="Female", age="30"),
            customer(customer_id="C2", gender="Female", age="33"),
            customer(customer_id="C3", gender="Male", age=None),
        ],
    )
    assert runner.con.execute("select * from gold_sales_by_segment order by all").fetchall() == [
        ("Female", "25-34", 3, 2, 4, Decimal("1095.45"), Decimal("365.15")),
        ("Male", "unknown", 1, 1, 4, Decimal("60.60"), Decimal("60.60")),
    ]
