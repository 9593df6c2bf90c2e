"""Golden cases for the transform steps (05-09, 13): given these raw rows, exactly these rows."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.core.engine import SqlRunner
from etl.pipelines.spending.pipeline import count_rows, transform

COMBINED = """
    select customer_id, full_name, age, age_group, purchase_row, product, price, match_status
    from combined
    order by customer_id nulls last, purchase_row nulls first
"""
SUMMARY = """
    select age_group, min_age, below_age, customers, purchases, total_spending
    from age_group_spending
    order by group_order
"""


def run(raw_tables, customers, purchases) -> SqlRunner:
    runner = raw_tables(customers, purchases)
    transform(runner)
    return runner


def test_age_edges_fall_in_exactly_one_group(raw_tables):
    customers = [
        ("1", "A", "Seventeen", None, "17"),
        ("2", "B", "Eighteen", None, "18"),
        ("3", "C", "TwentyNine", None, "29"),
        ("4", "D", "Thirty", None, "30"),
        ("5", "E", "FortyFour", None, "44"),
        ("6", "F", "FortyFive", None, "45"),
        ("7", "G", "Missing", None, None),
        ("8", "H", "Zero", None, "0"),
        ("9", "I", "Old", None, "130"),
    ]
    purchases = [(str(i), "Mouse", str(i * 10)) for i in range(1, 10)]
    runner = run(raw_tables, customers, purchases)

    assert runner.con.execute(COMBINED).fetchall() == [
        (1, "A Seventeen", 17, "Under 18", 1, "Mouse", D("10.00"), "matched"),
        (2, "B Eighteen", 18, "Young", 2, "Mouse", D("20.00"), "matched"),
        (3, "C TwentyNine", 29, "Young", 3, "Mouse", D("30.00"), "matched"),
        (4, "D Thirty", 30, "Middle-aged", 4, "Mouse", D("40.00"), "matched"),
        (5, "E FortyFour", 44, "Middle-aged", 5, "Mouse", D("50.00"), "matched"),
        (6, "F FortyFive", 45, "Senior", 6, "Mouse", D("60.00"), "matched"),
        (7, "G Missing", None, "Unknown age", 7, "Mouse", D("70.00"), "matched"),
        (8, "H Zero", 0, "Under 18", 8, "Mouse", D("80.00"), "matched"),
        (9, "I Old", 130, "Senior", 9, "Mouse", D("90.00"), "matched"),
    ]
    assert runner.con.execute(SUMMARY).fetchall() == [
        ("Under 18", 0, 18, 2, 2, D("90.00")),
        ("Young", 18, 30, 2, 2, D("50.00")),
        ("Middle-aged", 30, 45, 2, 2, D("90.00")),
        ("Senior", 45, None, 2, 2, D("150.00")),
        ("Unknown age", None, None, 1, 1, D("70.00")),
        ("No customer record", None, None, 0, 0, D("0.00")),
    ]


def test_full_outer_join_keeps_customers_without_purchases_and_purchases_without_customers(raw_tables):
    customers = [
        ("10", "Has", "Two", "two@example.com", "35"),
        ("11", "Has", "None", "none@example.com", "50"),
    ]
    purchases = [
        ("10", "Laptop", "999.99"),
        ("99", "Tablet", "300"),  # no customer 99
        ("10", "Mouse", "20.5"),
        (None, "Cable", "5"),  # no customer_id at all
    ]
    runner = run(raw_tables, customers, purchases)

    assert runner.con.execute(COMBINED).fetchall() == [
        (10, "Has Two", 35, "Middle-aged", 1, "Laptop", D("999.99"), "matched"),
        (10, "Has Two", 35, "Middle-aged", 3, "Mouse", D("20.50"), "matched"),
        (11, "Has None", 50, "Senior", None, None, None, "customer without purchases"),
        (99, None, None, "No customer record", 2, "Tablet", D("300.00"), "purchase without customer"),
        (None, None, None, "No customer record", 4, "Cable", D("5.00"), "purchase without customer"),
    ]
    assert runner.con.execute(SUMMARY).fetchall() == [
        ("Under 18", 0, 18, 0, 0, D("0.00")),
        ("Young", 18, 30, 0, 0, D("0.00")),
        ("Middle-aged", 30, 45, 1, 2, D("1020.49")),
        ("Senior", 45, None, 1, 0, D("0.00")),
        ("Unknown age", None, None, 0, 0, D("0.00")),
        ("No customer record", None, None, 0, 2, D("305.00")),
    ]


def test_full_name_keeps_inner_spaces_and_non_ascii_letters(raw_tables):
    customers = [
        ("1", "Mary Ann", "van der Berg", None, "40"),
        ("2", "Zoë", "Łukasik", None, "40"),
        ("3", "  Nguyễn ", " Thị Minh  ", None, "40"),
        ("4", "Søren", None, None, "40"),
        ("5", None, "Ström", None, "40"),
        ("6", None, "  ", None, "40"),
    ]
    runner = run(raw_tables, customers, [])

    assert runner.con.execute("select customer_id, full_name from combined order by customer_id").fetchall() == [
        (1, "Mary Ann van der Berg"),
        (2, "Zoë Łukasik"),
        (3, "Nguyễn Thị Minh"),
        (4, "Søren"),
        (5, "Ström"),
        (6, None),
    ]


def test_duplicate_looking_purchases_are_kept_and_counted(raw_tables):
    customers = [("1", "Ann", "Lee", None, "25")]
    purchases = [
        ("1", "Mouse", "20"),
        ("1", "Mouse", "20"),
        ("1", "Mouse", "20.00"),  # the same price written another way
        ("1", "Mouse", "21"),
    ]
    runner = run(raw_tables, customers, purchases)

    assert runner.con.execute(COMBINED).fetchall() == [
        (1, "Ann Lee", 25, "Young", 1, "Mouse", D("20.00"), "matched"),
        (1, "Ann Lee", 25, "Young", 2, "Mouse", D("20.00"), "matched"),
        (1, "Ann Lee", 25, "Young", 3, "Mouse", D("20.00"), "matched"),
        (1, "Ann Lee", 25, "Young", 4, "Mouse", D("21.00"), "matched"),
    ]
    assert count_rows(runner) == {
        "customers": 1,
        "purchases": 4,
        "combined_rows": 4,
        "customers_without_purchases": 0,
        "purchases_without_customer": 0,
        "duplicate_purchase_rows": 2,
        "purchases_total": D("81.00"),
        "report_total": D("81.00"),
    }


def test_empty_inputs_give_every_group_with_zeros(raw_tables):
    runner = run(raw_tables, [], [])

    assert runner.con.execute(COMBINED).fetchall() == []
    assert runner.con.execute(
        "select age_group, customers, purchases, total_spending from age_group_spending"
    ).fetchall() == [
        ("Under 18", 0, 0, D("0.00")),
        ("Young", 0, 0, D("0.00")),
        ("Middle-aged", 0, 0, D("0.00")),
        ("Senior", 0, 0, D("0.00")),
        ("Unknown age", 0, 0, D("0.00")),
        ("No customer record", 0, 0, D("0.00")),
    ]


ages = st.one_of(st.none(), st.integers(min_value=0, max_value=130).map(str))
prices = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


# The fixture hands out a fresh database per call, so sharing it across examples is safe.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    customer_ages=st.lists(ages, max_size=12),
    purchase_rows=st.lists(
        st.tuples(st.one_of(st.none(), st.integers(min_value=1, max_value=15)), prices),
        max_size=25,
    ),
)
def test_group_totals_add_up_to_every_price(raw_tables, customer_ages, purchase_rows):
    customers = [(str(i), "N", "M", None, age) for i, age in enumerate(customer_ages, start=1)]
    purchases = [(None if cid is None else str(cid), "P", str(price)) for cid, price in purchase_rows]
    runner = run(raw_tables, customers, purchases)

    totals = runner.con.execute(
        "select sum(customers), sum(purchases), sum(total_spending), count(*) from age_group_spending"
    ).fetchone()
    assert totals == (len(customers), len(purchases), sum((p for _, p in purchase_rows), D("0.00")), 6)
    counts = count_rows(runner)
    assert counts["report_total"] == counts["purchases_total"]
    known = {c[0] for c in customers}
    bought = {p[0] for p in purchases}
    assert counts["combined_rows"] == len(purchases) + len(known - bought)
