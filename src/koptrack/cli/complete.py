"""Shell completion (Typer's: `koptrack --install-completion` for bash, zsh, fish or PowerShell):
the fixed lists (kinds, bases, roles, programmes, languages) from the vocabulary, kecamatan and
cooperative names from the database. A completion never prints and never fails: no database,
or any error, completes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from koptrack.domain import vocab


def _fixed(values: tuple[str, ...]) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete.lower())]

    return complete


kinds = _fixed(vocab.COOP_KINDS)
bases = _fixed(vocab.COOP_BASES)
roles = _fixed(vocab.ROLES)
languages = _fixed(("id", "en"))


def _from_db(query: Callable[[Any, str], list[str]], ctx: Any, incomplete: str) -> list[str]:
    try:
        from koptrack import settings, store

        root = ctx.find_root() if ctx is not None else None
        db = (root.params.get("db") if root is not None else None) or settings.value_of("db").value
        engine = store.open_engine(db, create=False)
        try:
            with store.session_scope(engine) as session:
                return query(session, incomplete.strip("'\""))
        finally:
            engine.dispose()
    except Exception:  # completing must never disturb the shell: nothing to offer
        return []


def kecamatan(ctx: Any, incomplete: str) -> list[str]:
    from koptrack.core import complete

    return _from_db(complete.kecamatan, ctx, incomplete)


def cooperatives(ctx: Any, incomplete: str) -> list[str]:
    from koptrack.core import complete

    return _from_db(complete.cooperatives, ctx, incomplete)
