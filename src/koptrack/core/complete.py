"""What the shell completes from the database: kecamatan names and cooperative names that start
with what has been typed (case-insensitive), a few dozen at most."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from koptrack.store.models import Cooperative, Kecamatan

LIMIT = 50


def kecamatan(session: Session, typed: str) -> list[str]:
    stmt = select(Kecamatan.name).where(func.lower(Kecamatan.name).startswith(typed.lower())).order_by(Kecamatan.name)
    return list(dict.fromkeys(session.exec(stmt.limit(LIMIT)).all()))


def cooperatives(session: Session, typed: str) -> list[str]:
    stmt = select(Cooperative.name).where(func.lower(Cooperative.name).startswith(typed.lower()))
    return list(dict.fromkeys(session.exec(stmt.order_by(col(Cooperative.name)).limit(LIMIT)).all()))
