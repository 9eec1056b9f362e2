"""Importing a list of cooperatives: each row checked (checks.CoopChecker), one already
registered under the same name in the same kecamatan counted as unchanged, a legal number or
NIK koperasi that belongs to another refused, the rest inserted batch by batch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from koptrack.core import audit
from koptrack.core.config import default_regency
from koptrack.core.imports.checks import CoopChecker
from koptrack.core.imports.columns import known, map_headers
from koptrack.core.imports.result import ErrorSink, ImportRejected, ImportResult
from koptrack.core.imports.writer import BATCH
from koptrack.core.regions import kecamatan_names
from koptrack.errors import KoptrackError
from koptrack.i18n import _
from koptrack.io.readers import open_table
from koptrack.store.models import utcnow
from koptrack.store.tables import COOP


def import_coops(
    session: Session,
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    errors_path: str | Path | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a list of cooperatives: name, kind, kecamatan, and optional base, desa, legal
    number, NIK koperasi, address, size, note. A cooperative already registered under the same
    name in the same kecamatan counts as unchanged."""
    path = Path(path)
    result = ImportResult(kind="coops", file=path.name, created={"cooperatives": 0})
    C = COOP
    conn = session.connection()
    names = kecamatan_names(session)
    if not names:
        raise KoptrackError(_("no kecamatan are loaded yet"), hint=_("run `koptrack seed` first"))
    prefer = default_regency()
    existing: dict[tuple[str, str], int] = {
        (n.lower(), k): i for i, n, k in conn.execute(select(C.c.id, C.c.name, C.c.kecamatan_code))
    }
    # legal number and NIK koperasi -> the cooperative holding it (an id, or minus a line of this file)
    taken: dict[str, dict[str, int]] = {
        "legal_no": {v: i for i, v in conn.execute(select(C.c.id, C.c.legal_no).where(C.c.legal_no.is_not(None)))},
        "nik_koperasi": {
            v: i for i, v in conn.execute(select(C.c.id, C.c.nik_koperasi).where(C.c.nik_koperasi.is_not(None)))
        },
    }
    with open_table(path, sheet=sheet, encoding=encoding, known=known("coops")) as table:
        mapping = map_headers("coops", table.headers)
        sink = ErrorSink(
            result,
            table.headers,
            Path(errors_path) if errors_path else None,
            delimiter=table.delimiter,
            force=force,
            protect=(path,),
        )
        checker = CoopChecker(mapping, names, prefer, sink)
        batch: list[dict[str, Any]] = []
        now = utcnow()
        try:
            for line, values in table.rows:
                result.rows += 1
                row = checker.check(line, values)
                if row is None:
                    continue
                ident = (row["name"].lower(), row["kecamatan_code"])
                if ident in existing:
                    result.unchanged += 1
                    continue
                clash = next(
                    ((f, taken[f][row[f]]) for f in ("legal_no", "nik_koperasi") if row.get(f) and row[f] in taken[f]),
                    None,
                )
                if clash:
                    holder = clash[1]
                    reason = (
                        _("already belongs to cooperative {id}").format(id=holder)
                        if holder > 0
                        else _("already belongs to cooperative line {line}").format(line=-holder)
                    )
                    sink.add(line, clash[0], row[clash[0]], reason, values)
                    continue
                existing[ident] = -1
                for f in ("legal_no", "nik_koperasi"):
                    if row.get(f):
                        taken[f][row[f]] = -line
                batch.append({**row, "status": "active", "created_at": now, "updated_at": now})
                if len(batch) >= BATCH:
                    conn.execute(insert(C), batch)
                    result.created["cooperatives"] += len(batch)
                    batch = []
                    if progress:
                        progress(table.position(), table.size)
            if batch:
                conn.execute(insert(C), batch)
                result.created["cooperatives"] += len(batch)
            if progress:
                progress(table.size, table.size)
        finally:
            sink.close()
    if result.invalid and not skip_invalid:
        raise ImportRejected(result)
    audit.record(
        session,
        "import",
        path.name,
        action="import coops",
        rows=result.rows,
        created=result.created,
        unchanged=result.unchanged,
        ended=result.ended,
        invalid=result.invalid,
    )
    return result
