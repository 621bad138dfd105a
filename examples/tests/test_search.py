from __future__ import annotations

import sqlite3

import pytest
from conftest import work


@pytest.mark.parametrize(
    "query", ["alice", "ALICE", "ali", "example", "@", "alice@example.com", "Alice", "%"]
)
def test_search(db: sqlite3.Connection, customer: int, query: str) -> None:
    work(0.2)
    hits = db.execute(
        "SELECT COUNT(*) FROM customers WHERE id = ? AND (email LIKE ? OR name LIKE ?)",
        (customer, f"%{query}%", f"%{query}%"),
    ).fetchone()
    assert hits == (1,)


def test_reindex(db: sqlite3.Connection) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS customers_name ON customers (name)")
    work(2.2)
    names = [row[1] for row in db.execute("PRAGMA index_list('customers')")]
    assert "customers_name" in names


def test_search_after_insert(db: sqlite3.Connection, customer: int) -> None:
    db.execute("UPDATE customers SET name = 'Alice Searchable' WHERE id = ?", (customer,))
    work(0.6)
    found = db.execute("SELECT id FROM customers WHERE name LIKE '%Searchable%'").fetchall()
    assert found == [(customer,)]
