from __future__ import annotations

import sqlite3

import pytest
from conftest import work


def _order(db: sqlite3.Connection, customer: int, cents: int, status: str = "new") -> int:
    cursor = db.execute(
        "INSERT INTO orders (customer_id, amount_cents, status) VALUES (?, ?, ?)",
        (customer, cents, status),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


@pytest.mark.parametrize("cents", [1, 99, 100, 1_000, 9_999, 10_000, 123_456, 1_000_000])
def test_order_total(db: sqlite3.Connection, customer: int, cents: int) -> None:
    _order(db, customer, cents)
    _order(db, customer, 1)
    work(0.4)
    total = db.execute(
        "SELECT SUM(amount_cents) FROM orders WHERE customer_id = ?", (customer,)
    ).fetchone()
    assert total == (cents + 1,)


class TestRefunds:
    def test_refund_marks_order(self, db: sqlite3.Connection, customer: int) -> None:
        order = _order(db, customer, 500)
        db.execute("UPDATE orders SET status = 'refunded' WHERE id = ?", (order,))
        work(0.6)
        assert db.execute("SELECT status FROM orders WHERE id = ?", (order,)).fetchone() == (
            "refunded",
        )

    def test_partial_refund_keeps_order_open(self, db: sqlite3.Connection, customer: int) -> None:
        order = _order(db, customer, 500)
        _order(db, customer, -200, status="refund")
        work(0.6)
        assert db.execute("SELECT status FROM orders WHERE id = ?", (order,)).fetchone() == ("new",)

    def test_refunds_sum_to_zero(self, db: sqlite3.Connection, customer: int) -> None:
        _order(db, customer, 700)
        _order(db, customer, -700, status="refund")
        work(0.6)
        total = db.execute(
            "SELECT SUM(amount_cents) FROM orders WHERE customer_id = ?", (customer,)
        ).fetchone()
        assert total == (0,)


def test_bulk_orders(db: sqlite3.Connection, customer: int) -> None:
    db.executemany(
        "INSERT INTO orders (customer_id, amount_cents) VALUES (?, ?)",
        [(customer, cents) for cents in range(1, 501)],
    )
    work(3.0)
    count = db.execute("SELECT COUNT(*) FROM orders WHERE customer_id = ?", (customer,))
    assert count.fetchone() == (500,)


def test_order_status_flow(db: sqlite3.Connection, customer: int) -> None:
    order = _order(db, customer, 250)
    for status in ("paid", "shipped", "delivered"):
        db.execute("UPDATE orders SET status = ? WHERE id = ?", (status, order))
        work(0.25)
    assert db.execute("SELECT status FROM orders WHERE id = ?", (order,)).fetchone() == (
        "delivered",
    )
