"""Append-only audit trail: who changed what, when, through which command.

Summaries carry masked identifiers only (UU 27/2022): never a full NIK or KPJ.
"""

from __future__ import annotations

import contextvars
import getpass
import json

from sqlmodel import Session

from koptrack.store.models import AuditEntry

_command: contextvars.ContextVar[str] = contextvars.ContextVar("koptrack_command", default="library")


def set_command(name: str) -> None:
    """Name the command whose writes follow (`coop add`); the CLI sets it, never with arguments."""
    _command.set(name)


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still record something honest
        return "unknown"


def record(
    session: Session,
    entity: str,
    entity_id: object = None,
    *,
    coop_id: int | None = None,
    **summary: object,
) -> None:
    session.add(
        AuditEntry(
            os_user=os_user(),
            command=_command.get(),
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            coop_id=coop_id,
            summary=json.dumps(summary, default=str, ensure_ascii=False, sort_keys=True) if summary else None,
        )
    )


def list_entries(
    session: Session,
    *,
    coop_id: int | None = None,
    since=None,
    limit: int | None = 200,
) -> list[dict]:
    """Newest first: the audit entries, for one cooperative and/or from a date on."""
    import datetime as dt

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
            "user": e.os_user,
            "command": e.command,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "coop_id": e.coop_id,
            "summary": json.loads(e.summary) if e.summary else {},
        }
        for e in session.exec(stmt).all()
    ]
