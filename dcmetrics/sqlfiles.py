"""SQL lives in dcmetrics/sql/*.sql, loaded by name; identifiers go through quote_ident."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


class SqlText(str):
    """The text of a SQL file that remembers its name: a PostgreSQL store runs <name>.pg.sql
    instead where one is written (dcmetrics.pg.store); for DuckDB it is the plain string."""

    name: str

    def __new__(cls, text: str, name: str) -> SqlText:
        out = super().__new__(cls, text)
        out.name = name
        return out


@cache
def load(name: str) -> str:
    """The text of dcmetrics/sql/<name>.sql (names are fixed strings in our code, never user input)."""
    path = SQL_DIR / f"{name}.sql"
    return SqlText(path.read_text(encoding="utf-8"), name)


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB (doubling embedded quotes)."""
    return '"' + name.replace('"', '""') + '"'
