"""Create (or remove) the example project's SQLite database: one per workspace.

    python3 scripts/make_db.py PATH            # fresh database with the schema at PATH
    python3 scripts/make_db.py --remove PATH   # delete it (teardown_workspace)

Used by `paratest.yaml`'s setup_workspace/teardown_workspace hooks, and by tests/conftest.py
when the tests run without paratest-split (plain `pytest`).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    amount_cents INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'new'
);
CREATE TABLE products (sku TEXT PRIMARY KEY, stock INTEGER NOT NULL);
CREATE TABLE attempts (test TEXT PRIMARY KEY, count INTEGER NOT NULL);
INSERT INTO products (sku, stock) VALUES ('apple', 10), ('pear', 5), ('plum', 0);
"""


def create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA)
    connection.close()


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--remove":
        Path(argv[1]).unlink(missing_ok=True)
        return 0
    if len(argv) != 1:
        print("usage: make_db.py [--remove] PATH", file=sys.stderr)
        return 2
    create(Path(argv[0]))
    print(f"created {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
