"""Inserting many rows at once, the fastest way each engine offers: COPY on PostgreSQL (or
pipelined INSERTs where row-level security applies), one executemany elsewhere; and the text
forms SQLite stores dates and timestamps in (`Storage`), so rows can skip SQLAlchemy's
per-value conversion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table


def bulk_insert(conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[tuple]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one executemany elsewhere. On SQLite the
    rows must already hold the values as SQLAlchemy stores them (see `Storage`)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection  # psycopg's connection
        with raw.cursor() as cur:
            # PostgreSQL refuses COPY FROM into a table whose row-level security applies to
            # this role (an office's role, docs/deployment.md): there, one pipelined INSERT
            # per row, each checked by the policies.
            key = ("row_security_active", table.name)  # asked once per connection and table
            if key not in conn.info:
                cur.execute("SELECT row_security_active(%s::regclass)", (table.name,))
                conn.info[key] = cur.fetchone()[0]
            if conn.info[key]:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)
                return
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})", rows
    )


class Storage:
    """Dates and timestamps in the form the engine stores: on SQLite the text SQLAlchemy itself
    writes (ISO dates, 'YYYY-MM-DD HH:MM:SS.ffffff'), each distinct date formatted once;
    elsewhere the objects, which the driver adapts."""

    def __init__(self, dialect_name: str):
        self.text = dialect_name == "sqlite"
        self._dates: dict[dt.date, str] = {}

    def date(self, d: dt.date | None) -> dt.date | str | None:
        if d is None or not self.text:
            return d
        s = self._dates.get(d)
        if s is None:
            s = self._dates[d] = d.isoformat()
        return s

    def cached(self, d: dt.date) -> dt.date | str | None:
        """`date` for the SQLite case, as a plain dict lookup in the common case."""
        try:
            return self._dates[d]
        except KeyError:
            return self.date(d)

    def stamp(self, t: dt.datetime) -> dt.datetime | str:
        return t.strftime("%Y-%m-%d %H:%M:%S.%f") if self.text else t
