from __future__ import annotations

import sqlite3

import pytest
from conftest import ALICE, work


class TestSignup:
    def test_signup_creates_customer(self, db: sqlite3.Connection, customer: int) -> None:
        work(0.4)
        row = db.execute("SELECT email FROM customers WHERE id = ?", (customer,)).fetchone()
        assert row == (ALICE,)

    @pytest.mark.usefixtures("customer")
    def test_duplicate_email_rejected(self, db: sqlite3.Connection) -> None:
        work(0.3)
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO customers (email, name) VALUES (?, ?)", (ALICE, "Other"))

    def test_name_is_required(self, db: sqlite3.Connection) -> None:
        work(0.2)
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO customers (email, name) VALUES (?, NULL)", ("x@example.com",))

    @pytest.mark.usefixtures("customer")
    def test_email_lookup_is_exact(self, db: sqlite3.Connection) -> None:
        work(0.5)
        found = db.execute("SELECT id FROM customers WHERE email = ?", ("ALICE@example.com",))
        assert found.fetchall() == []


class TestProfile:
    def test_rename(self, db: sqlite3.Connection, customer: int) -> None:
        db.execute("UPDATE customers SET name = 'Alicia' WHERE id = ?", (customer,))
        work(0.6)
        assert db.execute("SELECT name FROM customers WHERE id = ?", (customer,)).fetchone() == (
            "Alicia",
        )

    @pytest.mark.usefixtures("customer")
    def test_profile_roundtrip(self, db: sqlite3.Connection) -> None:
        work(0.8)
        count = db.execute("SELECT COUNT(*) FROM customers WHERE email = ?", (ALICE,))
        assert count.fetchone() == (1,)


def test_import_customers_from_csv(db: sqlite3.Connection) -> None:
    rows = [(f"import-{i}@example.com", f"Imported {i}") for i in range(200)]
    db.executemany("INSERT INTO customers (email, name) VALUES (?, ?)", rows)
    try:
        work(2.5)
        count = db.execute("SELECT COUNT(*) FROM customers WHERE email LIKE 'import-%'")
        assert count.fetchone() == (200,)
    finally:
        db.execute("DELETE FROM customers WHERE email LIKE 'import-%'")


@pytest.mark.parametrize("domain", ["example.com", "example.org", "mail.test", "corp.example"])
def test_email_domain(db: sqlite3.Connection, customer: int, domain: str) -> None:
    db.execute("UPDATE customers SET email = ? WHERE id = ?", (f"alice@{domain}", customer))
    work(0.3)
    stored = db.execute("SELECT email FROM customers WHERE id = ?", (customer,)).fetchone()[0]
    assert stored.endswith("@" + domain)
