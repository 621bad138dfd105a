from __future__ import annotations

import sqlite3

import pytest
from conftest import ALICE, work


@pytest.mark.parametrize("channel", ["email", "sms", "push", "webhook", "slack"])
def test_notify(db: sqlite3.Connection, customer: int, channel: str) -> None:
    work(0.3)
    recipient = db.execute("SELECT email FROM customers WHERE id = ?", (customer,)).fetchone()
    assert recipient == (ALICE,)
    assert channel


def test_digest(db: sqlite3.Connection, customer: int) -> None:
    db.executemany(
        "INSERT INTO orders (customer_id, amount_cents) VALUES (?, ?)",
        [(customer, 10), (customer, 20)],
    )
    work(1.5)
    lines = db.execute(
        "SELECT COUNT(*), SUM(amount_cents) FROM orders WHERE customer_id = ?", (customer,)
    ).fetchone()
    assert lines == (2, 30)


def test_quiet_hours(db: sqlite3.Connection, customer: int) -> None:
    work(0.4)
    count = db.execute("SELECT COUNT(*) FROM orders WHERE customer_id = ?", (customer,))
    assert count.fetchone() == (0,)
