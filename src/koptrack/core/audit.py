"""Append-only audit trail: who changed what, when, through which command.

Summaries carry masked identifiers only (UU 27/2022): never a full NIK or KPJ. Beside the
summary, an entry may carry what `koptrack undo` needs (`undo`: the rows the change touched, as
they were before and after it). That payload may hold full identifiers, as the tables it
describes do; `koptrack log` never shows it.

A change's payload is a list of row changes, each `{"table", "id", "before", "after"}` with the
row's columns as JSON values: `before` None for a row the change inserted, `after` None for one
it deleted. `inserted(row)`, `updated(row, **old_values)` and `deleted(row)` build them.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import getpass
import json
from typing import Any

from sqlalchemy import Date, DateTime
from sqlmodel import Session, SQLModel

from koptrack.store.models import AuditEntry

_command: contextvars.ContextVar[str] = contextvars.ContextVar("koptrack_command", default="library")

# Columns that say when a row was written, not what it holds: left out when `undo` compares a
# row with the state a change left it in.
BOOKKEEPING = ("created_at", "updated_at")


def set_command(name: str) -> None:
    """Name the command whose writes follow (`coop add`); the CLI sets it, never with arguments."""
    _command.set(name)


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still record something honest
        return "unknown"


# --- what undo needs -----------------------------------------------------------------------------


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def snapshot(row: SQLModel) -> dict[str, Any]:
    """Every column of a table row as JSON values (dates as ISO text)."""
    table = type(row).__table__  # type: ignore[attr-defined]
    return {c.name: _plain(getattr(row, c.name)) for c in table.columns}


def from_plain(model: type[SQLModel], values: dict[str, Any]) -> dict[str, Any]:
    """The column values of a snapshot, typed again for `model` (ISO text back to dates)."""
    table = model.__table__  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for c in table.columns:
        if c.name not in values:
            continue
        v = values[c.name]
        if isinstance(v, str) and isinstance(c.type, DateTime):
            v = dt.datetime.fromisoformat(v)
        elif isinstance(v, str) and isinstance(c.type, Date):
            v = dt.date.fromisoformat(v)
        out[c.name] = v
    return out


def _id(row: SQLModel) -> int:
    return getattr(row, "id")  # noqa: B009  (SQLModel declares no id: each table does)


def table_of(row: SQLModel) -> str:
    return str(type(row).__tablename__)


def inserted(row: SQLModel) -> dict[str, Any]:
    """A row the change added (flushed, so it has its id)."""
    return {"table": table_of(row), "id": _id(row), "before": None, "after": snapshot(row)}


def updated(row: SQLModel, before: dict[str, Any] | None = None, **old_values: object) -> dict[str, Any]:
    """A row the change altered: `before` a snapshot taken before the change, or the row as it
    is now with `old_values` for the columns the change set (`updated(reg, deregistered_on=None)`)."""
    old = dict(before) if before is not None else snapshot(row)
    old.update({k: _plain(v) for k, v in old_values.items()})
    return {"table": table_of(row), "id": _id(row), "before": old, "after": snapshot(row)}


def deleted(row: SQLModel, before: dict[str, Any] | None = None) -> dict[str, Any]:
    """A row the change removed: call before `session.delete(row)` (or give its snapshot)."""
    return {"table": table_of(row), "id": _id(row), "before": before or snapshot(row), "after": None}


def record(
    session: Session,
    entity: str,
    entity_id: object = None,
    *,
    coop_id: int | None = None,
    undo: dict[str, Any] | list[dict[str, Any]] | None = None,
    **summary: object,
) -> int:
    """Append one entry; returns its id. `undo`: the row change(s) that `koptrack undo` reverses
    (a list, one row change, or a whole payload with its `changes`); None: it cannot be undone."""
    payload: dict[str, Any] | None
    if undo is None:
        payload = None
    elif isinstance(undo, list):
        payload = {"changes": undo}
    elif "changes" in undo:
        payload = undo
    else:
        payload = {"changes": [undo]}
    entry = AuditEntry(
        os_user=os_user(),
        command=_command.get(),
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        coop_id=coop_id,
        summary=json.dumps(summary, default=str, ensure_ascii=False, sort_keys=True) if summary else None,
        undo=json.dumps(payload, default=str, ensure_ascii=False, sort_keys=True) if payload is not None else None,
    )
    session.add(entry)
    session.flush()
    return entry.id  # type: ignore[return-value]  # flushed: it has its id


# The entity of an entry that records personal data shown in full, not a change.
REVEAL = "personal data"


def record_reveal(
    session: Session,
    what: str,
    *,
    people: int,
    rows: int | None = None,
    coop: object = None,
    to: str | None = None,
) -> int:
    """Record that NIKs and KPJs were shown in full (--show-nik: UU 27/2022 asks who saw whose
    personal data): who (the OS user) and when, as every entry; which command; `what` was shown;
    for how many `people` (and `rows`); for which cooperative (`coop`, an id or name, so that
    `koptrack log --coop` lists it); `to`: the file written, or the terminal. Not a change:
    nothing to undo. Returns the entry's id."""
    coop_id = None
    if coop not in (None, ""):
        from koptrack.core.coops import resolve_coop

        coop_id = resolve_coop(session, coop).id
    facts: dict[str, Any] = {"shown": what, "people": people}
    if rows is not None:
        facts["rows"] = rows
    facts["to"] = to or "terminal"
    return record(session, REVEAL, None, coop_id=coop_id, **facts)


def list_entries(
    session: Session,
    *,
    coop_id: int | None = None,
    since=None,
    limit: int | None = 200,
) -> list[dict]:
    """Newest first: the audit entries, for one cooperative and/or from a date on. The undo
    payload is never part of them (it may hold full identifiers)."""
    from sqlmodel import col, select

    stmt = select(AuditEntry).order_by(col(AuditEntry.id).desc())
    if coop_id is not None:
        stmt = stmt.where(AuditEntry.coop_id == coop_id)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= dt.datetime.combine(since, dt.time()))
    if limit:
        stmt = stmt.limit(limit)
    return [
        {
            "id": e.id,
            "at": e.at.replace(microsecond=0),
            # PostgreSQL: the server session's role (set by the database, never by the client),
            # then the OS user the desk's koptrack gave
            "user": e.os_user if e.db_user in (None, e.os_user) else f"{e.db_user} ({e.os_user})",
            "command": e.command,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "coop_id": e.coop_id,
            "summary": json.loads(e.summary) if e.summary else {},
        }
        for e in session.exec(stmt).all()
    ]
