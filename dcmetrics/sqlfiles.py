"""SQL lives in dcmetrics/sql/*.sql, loaded by name; identifiers go through quote_ident."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def load(name: str) -> str:
    """The text of dcmetrics/sql/<name>.sql (names are fixed strings in our code, never user input)."""
    path = SQL_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8")


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB (doubling embedded quotes)."""
    return '"' + name.replace('"', '""') + '"'
