"""Kecamatan (and their regencies): listing and resolving what a user typed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from koptrack.domain import validate
from koptrack.errors import KoptrackError
from koptrack.i18n import _
from koptrack.store.models import Kecamatan, KecamatanAlias, Regency


def kecamatan_choices(session: Session) -> list[tuple[str, str]]:
    return [(c, n) for c, n in session.exec(select(Kecamatan.code, Kecamatan.name)).all()]


def kecamatan_aliases(session: Session) -> list[tuple[str, str]]:
    """(code, alias): the other spellings of the kecamatan (table kecamatan_alias)."""
    stmt = select(KecamatanAlias.code, KecamatanAlias.alias).order_by(col(KecamatanAlias.code), col(KecamatanAlias.id))
    return [(c, a) for c, a in session.exec(stmt).all()]


def spelling_key(text: object) -> str:
    """What two spellings of one name share: `Kec. Telaga Sari` and `telagasari` -> `telagasari`."""
    return validate.kecamatan_key(text)[1].replace(" ", "")


class KecamatanNames:
    """The kecamatan's names and their aliases, matched as `validate.match_kecamatan` matches
    names: a code, a name in any case with or without spaces, and now an alias too. Suggestions
    for an unknown name are the kecamatan's own names, one per kecamatan."""

    def __init__(self, choices: Iterable[tuple[str, str]], aliases: Iterable[tuple[str, str]] = ()):
        self.choices = dict(choices)  # code -> name: one name per code, the last given wins
        self.by_alias: dict[str, dict[str, str]] = {}  # spelling key -> {code: alias}
        for code, alias in aliases:
            if code in self.choices:
                self.by_alias.setdefault(spelling_key(alias), {}).setdefault(code, alias)

    def __bool__(self) -> bool:
        return bool(self.choices)

    def match(self, text: object, field: str = "kecamatan", prefer_regency: str | None = None) -> str:
        """The code of the kecamatan `text` names; ValidationError (with the closest names) if none,
        or if several do and `prefer_regency` does not single one out."""
        how, key = validate.kecamatan_key(text)
        hits = self.by_alias.get(key.replace(" ", ""), {}) if how == "name" and key else {}
        # A kecamatan whose alias was typed is offered under that alias, so the matcher finds it
        # beside (never instead of) the kecamatan whose own name it is; each code stays one choice.
        choices = [(code, hits.get(code, name)) for code, name in self.choices.items()]
        return validate.match_kecamatan(text, choices, field=field, prefer_regency=prefer_regency)


def kecamatan_names(session: Session) -> KecamatanNames:
    return KecamatanNames(kecamatan_choices(session), kecamatan_aliases(session))


def resolve_kecamatan(session: Session, text: object, field: str = "kecamatan") -> str:
    """`Klari`, `kec. klari`, `32.15.05`, `321505`, an alias (`Talagasari`) -> the code;
    unknown -> closest names."""
    names = kecamatan_names(session)
    if not names:
        raise KoptrackError(
            _("no kecamatan are loaded yet"), hint=_("run `koptrack seed` first to load Karawang's 30 kecamatan")
        )
    from koptrack.core.config import default_regency

    return names.match(text, field=field, prefer_regency=default_regency())


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
