"""Generate the small sales sample: `customer_data.parquet` and `sales_data.csv`.

Same schemas as the real export (../shared/data/sales), a few hundred rows,
and a handful of each defect the real file carries, so that
`python etl_process.py sales` shows every rule without ../shared. The output
is deterministic (fixed seed): run `python samples/sales/generate.py` and the
files come out byte-identical.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
SEED = 20230308
CUSTOMERS = 200
SALES = 400
PRICES = {
    "Books": 15.15,
    "Clothing": 300.08,
    "Cosmetics": 40.66,
    "Food & Beverage": 5.23,
    "Shoes": 600.17,
    "Souvenir": 11.73,
    "Technology": 1050.00,
    "Toys": 35.84,
}
MALLS = ["Kanyon", "Mall of Istanbul", "Metrocity", "Metropol AVM", "Istinye Park", "Zorlu Center"]
FIRST_DAY = dt.date(2021, 1, 1)
DAYS = 796  # to 2023-03-07


def customers(rng: random.Random) -> list[dict]:
    ids = rng.sample(range(100000, 1000000), CUSTOMERS)
    rows = []
    for n, number in enumerate(ids):
        age = None if n % 50 == 7 else rng.randint(18, 69)
        rows.append(
            {
                "customer_id": f"C{number}",
                "gender": rng.choice(["Female", "Female", "Male"]),
                "age": age,
                "payment_method": rng.choice(["Cash", "Credit Card", "Debit Card"]),
            }
        )
    return rows


def sales(rng: random.Random, people: list[dict]) -> list[list[str]]:
    rows = []
    invoices = rng.sample(range(100000, 1000000), SALES)
    for number in invoices:
        category = rng.choice(list(PRICES))
        quantity = rng.randint(1, 5)
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        rows.append(
            [
                f"I{number}",
                rng.choice(people)["customer_id"],
                category,
                str(quantity),
                f"{quantity * PRICES[category]:.2f}".rstrip("0").rstrip("."),
                day.strftime("%d-%m-%Y"),
                rng.choice(MALLS),
            ]
        )
    spoil(rng, rows)
    return rows


def spoil(rng: random.Random, rows: list[list[str]]) -> None:
    """A few of each defect found in the real export, on distinct rows."""
    victims = iter(rng.sample(range(len(rows)), 40))

    def some(n: int) -> list[list[str]]:
        return [rows[next(victims)] for _ in range(n)]

    for row in some(3):
        row[1] = ""  # missing customer id
    for row in some(2):
        row[1] += "X"  # malformed customer id
    for row in some(2):
        row[3] = rng.choice(["0", "-1"])  # non-positive quantity
    for row in some(2):
        row[4] = ""  # missing price
    for row in some(2):
        row[4] = rng.choice(["0", "-15.15"])  # non-positive price
    for row, bad in zip(some(4), ["31/02/2022", "2022-13-01", "5-8-2022", ""], strict=True):
        row[5] = bad  # dates not in dd-MM-yyyy
    for row in some(4):
        row[6] = rng.choice([f" {row[6]}", row[6].upper(), row[6].lower()])  # mall spelling: cleaned, kept
    for row in some(3):
        rows.append(list(row))  # the exporter re-sends the same line
    for row in some(2):
        copy = list(row)
        copy[3] = str(int(row[3]) % 5 + 1)  # a re-send whose quantity no longer matches the line total
        rows.append(copy)


def main() -> None:
    rng = random.Random(SEED)
    people = customers(rng)
    table = pa.Table.from_pylist(
        people,
        schema=pa.schema(
            [
                ("customer_id", pa.string()),
                ("gender", pa.string()),
                ("age", pa.int32()),
                ("payment_method", pa.string()),
            ]
        ),
    )
    pq.write_table(table, HERE / "customer_data.parquet")
    with open(HERE / "sales_data.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["invoice_no", "customer_id", "category", "quantity", "price", "invoice_date", "shopping_mall"])
        writer.writerows(sales(rng, people))


if __name__ == "__main__":
    main()
