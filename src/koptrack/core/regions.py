"""Kecamatan (and their regencies): listing and resolving what a user typed."""

from __future__ import annotations

from sqlmodel import Session, col, select

from koptrack.domain import validate
from koptrack.errors import KoptrackError
from koptrack.store.models import Kecamatan, Regency


def kecamatan_choices(session: Session) -> list[tuple[str, str]]:
    return [(c, n) for c, n in session.exec(select(Kecamatan.code, Kecamatan.name)).all()]


def resolve_kecamatan(session: Session, text: object, field: str = "kecamatan") -> str:
    """`Klari`, `kec. klari`, `32.15.05`, `321505` -> `32.15.05`; unknown -> closest names."""
    choices = kecamatan_choices(session)
    if not choices:
        raise KoptrackError(
            "no kecamatan are loaded yet", hint="run `koptrack seed` first to load Karawang's 30 kecamatan"
        )
    from koptrack.core.config import default_regency

    return validate.match_kecamatan(text, choices, field=field, prefer_regency=default_regency())


def list_kecamatan(session: Session, regency: object = None) -> list[dict]:
    stmt = (
        select(Kecamatan.code, Kecamatan.name, Kecamatan.regency_code, Regency.name)
        .join(Regency, col(Regency.code) == col(Kecamatan.regency_code))
        .order_by(Kecamatan.code)
    )
    reg = validate.parse_regency(regency)
    if reg:
        stmt = stmt.where(Kecamatan.regency_code == reg)
    return [{"code": c, "name": n, "regency_code": rc, "regency": rn} for c, n, rc, rn in session.exec(stmt).all()]
