from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from conftest import work


def _rows(db: sqlite3.Connection, customer: int) -> list[tuple[int, str]]:
    return db.execute(
        "SELECT amount_cents, status FROM orders WHERE customer_id = ? ORDER BY id", (customer,)
    ).fetchall()


def test_monthly_report(db: sqlite3.Connection, customer: int) -> None:
    db.executemany(
        "INSERT INTO orders (customer_id, amount_cents) VALUES (?, ?)",
        [(customer, 100 * day) for day in range(1, 31)],
    )
    work(2.8)
    total = db.execute(
        "SELECT SUM(amount_cents) FROM orders WHERE customer_id = ?", (customer,)
    ).fetchone()
    assert total == (100 * sum(range(1, 31)),)


@pytest.mark.parametrize("region", ["north", "south", "east", "west", "emea", "apac"])
def test_region_report(db: sqlite3.Connection, customer: int, region: str) -> None:
    db.execute(
        "INSERT INTO orders (customer_id, amount_cents, status) VALUES (?, ?, ?)",
        (customer, len(region) * 100, region),
    )
    work(0.5)
    assert _rows(db, customer) == [(len(region) * 100, region)]


class TestExport:
    def test_csv(self, db: sqlite3.Connection, customer: int) -> None:
        db.execute("INSERT INTO orders (customer_id, amount_cents) VALUES (?, 42)", (customer,))
        out = io.StringIO()
        csv.writer(out).writerows(_rows(db, customer))
        work(0.8)
        assert out.getvalue().strip() == "42,new"

    def test_json(self, db: sqlite3.Connection, customer: int) -> None:
        db.execute("INSERT INTO orders (customer_id, amount_cents) VALUES (?, 7)", (customer,))
        work(0.6)
        assert json.loads(json.dumps(_rows(db, customer))) == [[7, "new"]]

    def test_empty(self, db: sqlite3.Connection, customer: int) -> None:
        work(0.1)
        assert _rows(db, customer) == []
