"""Generate the bundled sample for the `spending` pipeline (customers.csv, purchases.csv).

Deterministic (fixed seed): run `python samples/spending/generate.py` from the
project root and the two files come out byte for byte the same. The sample is
small but holds every case the pipeline must handle: ages at each group edge
(17, 18, 29, 30, 44, 45) and a missing age, names with spaces and non-ASCII
letters, customers without purchases, purchases whose customer is unknown or
empty, and a purchase row repeated exactly.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

SEED = 20240606
HERE = Path(__file__).resolve().parent
CUSTOMER_COUNT = 120
PURCHASE_COUNT = 240

FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Inès", "Jonas", "Zoë", "Øyvind"]
LAST_NAMES = ["Andersen", "Brown", "Çelik", "Dubois", "Eriksson", "Fischer", "García", "Huang", "Nguyễn", "Łukasik"]
PRODUCTS = ["Camera", "Desktop", "Headphones", "Keyboard", "Laptop", "Mobile", "Monitor", "Mouse", "Tablet"]
DOMAINS = ["example.com", "mail.com", "web.com"]

# Hand-picked rows first, so the edge cases are easy to find in the file.
EDGE_CUSTOMERS = [
    ("Mary Ann", "van der Berg", "17"),
    ("José", "Álvarez", "18"),
    ("Søren", "Kierkegård", "29"),
    ("Anne-Marie", "O'Neil", "30"),
    ("Nguyễn", "Thị Minh", "44"),
    ("Zoë", "Łukasik", "45"),
    ("Björn", "Ström", ""),
]


def customers(rng: random.Random) -> list[list[str]]:
    rows = []
    for customer_id in range(1, CUSTOMER_COUNT + 1):
        if customer_id <= len(EDGE_CUSTOMERS):
            first, last, age = EDGE_CUSTOMERS[customer_id - 1]
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            age = str(rng.randint(18, 70))
        email = f"{first}.{last}.{customer_id}@{rng.choice(DOMAINS)}".lower().replace(" ", "")
        rows.append([str(customer_id), first, last, email, age])
    return rows


def purchases(rng: random.Random) -> list[list[str]]:
    rows = []
    # Every third customer buys nothing, so customers without purchases are common.
    buyers = [cid for cid in range(1, CUSTOMER_COUNT + 1) if cid % 3 != 0]
    for _ in range(PURCHASE_COUNT - 4):
        price = rng.choice([rng.randint(50, 1500), rng.randint(5000, 150000) / 100])
        rows.append([str(rng.choice(buyers)), rng.choice(PRODUCTS), f"{price:g}"])
    rows.append(list(rows[10]))  # an exact repeat of an earlier row
    rows.append(["9001", "Laptop", "999.99"])  # a customer_id no customer has
    rows.append(["9002", "Mouse", "25"])
    rows.append(["", "Monitor", "310"])  # no customer_id at all
    return rows


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    write(HERE / "customers.csv", ["customer_id", "first_name", "last_name", "email", "age"], customers(rng))
    write(HERE / "purchases.csv", ["customer_id", "product", "price"], purchases(rng))


if __name__ == "__main__":
    main()
