"""DuckDB SQL as the code writes it, made PostgreSQL SQL: a small, closed set of rewrites.

Only what is mechanical and exact is rewritten here (docs/postgresql.md, «The translator»):
  * `$name` parameters → PostgreSQL's positional `$1, $2 …` (psycopg's RawCursor binds them:
    values are never put into the text);
  * `INSERT OR REPLACE INTO t …` → `INSERT INTO t … ON CONFLICT (primary key) DO UPDATE …`;
  * in migrations, the type names PostgreSQL spells otherwise: DOUBLE, BLOB.
Everything else DuckDB-only (QUALIFY, LIST and STRUCT literals, macros, registered frames read by
SQL …) is written once more for PostgreSQL in a `.pg.sql` file beside the DuckDB one, or given a
PostgreSQL function of the same name and meaning (pg/prelude.sql: list_contains).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_IDENT_START = re.compile(r"[A-Za-z_]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _segments(sql: str):
    """(is_code, text) pieces: string literals, quoted identifiers and comments are not code."""
    i, n, start = 0, len(sql), 0
    while i < n:
        c = sql[i]
        end = None
        if c == "'" or c == '"':
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:  # a doubled quote stays inside
                        j += 2
                        continue
                    break
                j += 1
            end = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            end = n if j < 0 else j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            end = n if j < 0 else j + 2
        if end is None:
            i += 1
            continue
        if start < i:
            yield True, sql[start:i]
        yield False, sql[i:end]
        start = i = end
    if start < n:
        yield True, sql[start:]


@dataclass(frozen=True)
class Positional:
    """A statement with `$1 …` placeholders and the parameter name each number stands for."""

    sql: str
    names: tuple[str, ...]

    def values(self, params: dict | None) -> list:
        params = params or {}
        missing = [n for n in self.names if n not in params]
        if missing:
            raise KeyError(f"SQL parameter(s) not given: {', '.join(missing)}")
        return [params[n] for n in self.names]


@lru_cache(maxsize=4096)
def positional(sql: str) -> Positional:
    """`$name` → `$n` (the same name, the same number), outside literals and comments."""
    names: list[str] = []
    out = []
    for is_code, text in _segments(sql):
        if not is_code:
            out.append(text)
            continue
        pieces, i = [], 0
        while True:
            j = text.find("$", i)
            if j < 0 or j + 1 >= len(text) or not _IDENT_START.match(text[j + 1]):
                if j < 0 or j + 1 >= len(text):
                    pieces.append(text[i:])
                    break
                pieces.append(text[i:j + 1])  # `$1` or a lone `$`: left as it is
                i = j + 1
                continue
            name = _IDENT.match(text, j + 1).group(0)
            if name not in names:
                names.append(name)
            pieces.append(text[i:j] + f"${names.index(name) + 1}")
            i = j + 1 + len(name)
        out.append("".join(pieces))
    return Positional("".join(out), tuple(names))


_INSERT_OR_REPLACE = re.compile(r"^\s*INSERT\s+OR\s+REPLACE\s+INTO\s+([A-Za-z_][A-Za-z0-9_]*)\s*(\(([^)]*)\))?",
                                re.IGNORECASE)
_RETURNING = re.compile(r"\sRETURNING\s", re.IGNORECASE)


def upsert(sql: str, table_info: Callable[[str], tuple[list[str], list[str]]]) -> str:
    """`INSERT OR REPLACE INTO t [(cols)] …` → PostgreSQL's `INSERT … ON CONFLICT (pk) DO UPDATE`
    (every listed column not in the key takes the new value: DuckDB's replace of the whole row).
    `table_info(t)` gives (columns in order, primary-key columns). Other statements unchanged."""
    m = _INSERT_OR_REPLACE.match(sql)
    if not m:
        return sql
    table = m.group(1)
    columns, key = table_info(table)
    if not key:
        raise ValueError(f"INSERT OR REPLACE into {table}, which has no primary key")
    listed = [c.strip().strip('"') for c in m.group(3).split(",")] if m.group(3) else columns
    rest = [c for c in listed if c not in key]
    action = ("DO UPDATE SET " + ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in rest)) if rest else "DO NOTHING"
    body = " " + sql[m.end():].strip().rstrip(";").rstrip()
    head = f"INSERT INTO {table}" + (f" ({m.group(3)})" if m.group(3) else "")
    conflict = f" ON CONFLICT ({', '.join(key)}) {action}"
    r = _RETURNING.search(body)
    if r:
        return head + body[:r.start()] + conflict + body[r.start():]
    return head + body + conflict


_DDL_TYPES = [(re.compile(r"\bDOUBLE\b(?!\s+PRECISION)"), "DOUBLE PRECISION"), (re.compile(r"\bBLOB\b"), "BYTEA")]


def ddl(sql: str) -> str:
    """A DuckDB migration's type names as PostgreSQL spells them (code only, not comments)."""
    out = []
    for is_code, text in _segments(sql):
        if is_code:
            for pattern, repl in _DDL_TYPES:
                text = pattern.sub(repl, text)
        out.append(text)
    return "".join(out)
