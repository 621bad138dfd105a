from __future__ import annotations

import sqlite3

import pytest
from conftest import work


def _stock(db: sqlite3.Connection, sku: str) -> int:
    row = db.execute("SELECT stock FROM products WHERE sku = ?", (sku,)).fetchone()
    assert row is not None
    return int(row[0])


class TestStock:
    def test_initial_stock(self, db: sqlite3.Connection) -> None:
        work(0.2)
        assert _stock(db, "apple") >= 0

    def test_out_of_stock_product(self, db: sqlite3.Connection) -> None:
        work(0.3)
        assert _stock(db, "plum") == 0

    def test_receive_goods(self, db: sqlite3.Connection) -> None:
        before = _stock(db, "pear")
        db.execute("UPDATE products SET stock = stock + 3 WHERE sku = 'pear'")
        try:
            work(0.4)
            assert _stock(db, "pear") == before + 3
        finally:
            db.execute("UPDATE products SET stock = stock - 3 WHERE sku = 'pear'")

    def test_unknown_sku(self, db: sqlite3.Connection) -> None:
        work(0.5)
        assert db.execute("SELECT stock FROM products WHERE sku = 'kiwi'").fetchone() is None

    def test_stock_never_negative(self, db: sqlite3.Connection) -> None:
        work(0.6)
        assert db.execute("SELECT COUNT(*) FROM products WHERE stock < 0").fetchone() == (0,)

    def test_product_count(self, db: sqlite3.Connection) -> None:
        work(0.7)
        assert db.execute("SELECT COUNT(*) FROM products").fetchone() == (3,)


def test_restock_all(db: sqlite3.Connection) -> None:
    db.execute("UPDATE products SET stock = stock + 100")
    try:
        work(2.0)
        assert _stock(db, "plum") == 100
    finally:
        db.execute("UPDATE products SET stock = stock - 100")


def test_sync_with_warehouse(db: sqlite3.Connection) -> None:
    """Flaky on purpose: the 'warehouse' times out on the first attempt in each workspace.

    The attempt count lives in the workspace's database, so `retries: 2` makes it pass on the
    second attempt and the merged report marks it flaky.
    """
    db.execute(
        "INSERT INTO attempts (test, count) VALUES ('sync', 1) "
        "ON CONFLICT (test) DO UPDATE SET count = count + 1"
    )
    work(0.3)
    count = db.execute("SELECT count FROM attempts WHERE test = 'sync'").fetchone()[0]
    assert count > 1, "warehouse did not answer in time (first attempt in this workspace)"


@pytest.mark.parametrize("sku", ["apple", "pear", "plum"])
def test_reserve(db: sqlite3.Connection, sku: str) -> None:
    before = _stock(db, sku)
    changed = db.execute(
        "UPDATE products SET stock = stock - 1 WHERE sku = ? AND stock > 0", (sku,)
    ).rowcount
    try:
        work(0.5)
        assert _stock(db, sku) == before - changed
    finally:
        db.execute("UPDATE products SET stock = stock + ? WHERE sku = ?", (changed, sku))
