"""Fixtures of the example suite: a SQLite database per workspace, and simulated slow work.

The database is `app.db` in pytest's rootdir (the workspace). paratest-split's
setup_workspace hook creates it fresh (see ../paratest.yaml); a plain `pytest` run creates it
here when it is missing. Tests insert FIXED rows (the customer alice@example.com, whose email is
UNIQUE) and delete them afterwards: two processes sharing one database at the same time would
collide, which is why every shard runs in its own workspace.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ALICE = "alice@example.com"


def _make_db(path: Path) -> None:
    script = Path(__file__).parent.parent / "scripts" / "make_db.py"
    spec = importlib.util.spec_from_file_location("make_db", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.create(path)


@pytest.fixture(scope="session")
def db_path(pytestconfig: pytest.Config) -> Path:
    path = pytestconfig.rootpath / "app.db"
    if not path.exists():
        _make_db(path)
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def customer(db: sqlite3.Connection) -> Iterator[int]:
    """alice, inserted for this test and deleted after it (fails if someone else has her)."""
    cursor = db.execute("INSERT INTO customers (email, name) VALUES (?, ?)", (ALICE, "Alice"))
    customer_id = cursor.lastrowid
    assert customer_id is not None
    try:
        yield customer_id
    finally:
        db.execute("DELETE FROM orders WHERE customer_id = ?", (customer_id,))
        db.execute("DELETE FROM customers WHERE id = ?", (customer_id,))


def work(seconds: float) -> None:
    """Stands in for the slow part of an integration test (a browser, a service call)."""
    time.sleep(seconds)
