"""Importing a roster: each row checked (checks.PersonChecker), the good ones written batch by
batch (writer.PeopleWriter), all or nothing unless the bad rows are to be skipped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from koptrack.core import audit
from koptrack.core.coops import resolve_coop
from koptrack.core.imports.checks import PersonChecker, PersonRow
from koptrack.core.imports.columns import known, map_headers
from koptrack.core.imports.result import ErrorSink, ImportRejected, ImportResult
from koptrack.core.imports.writer import BATCH, PeopleWriter
from koptrack.errors import KoptrackError
from koptrack.i18n import _
from koptrack.io.readers import open_table

# Rows created by one import from which the tables are analyzed at its end (PostgreSQL).
ANALYZE_AFTER = 10_000


def import_people(
    session: Session,
    path: str | Path,
    *,
    coop: object = None,
    sheet: str | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    errors_path: str | Path | None = None,
    force: bool = False,
    confirm: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a roster: nik, name, role (or a job title, kept as the position), since, and the
    cooperative (unless `coop` is given); an optional departure (until) ends the period, and
    optional kpj, bpjs date, programmes and category enroll them in BPJS in the same step. The
    --errors file (`errors_path`) is never the input, nor an existing file unless `force`. The
    rules of the single commands hold: an enrollment within a BPJS registration of its
    cooperative, a possible age (an improbable one only with `confirm`), JP/JKP for PU only."""
    path = Path(path)
    result = ImportResult(kind="people", file=path.name, created={"people": 0, "engagements": 0, "enrollments": 0})
    fixed_coop = resolve_coop(session, coop) if coop not in (None, "") else None
    if fixed_coop is not None and fixed_coop.status != "active":
        raise KoptrackError(
            _("cooperative {id} {name} is inactive").format(id=fixed_coop.id, name=repr(fixed_coop.name))
        )
    with open_table(path, sheet=sheet, encoding=encoding, known=known("people")) as table:
        mapping = map_headers("people", table.headers)
        if fixed_coop is None and "coop" not in mapping:
            raise KoptrackError(
                _("the file has no cooperative column (Koperasi / Nama Koperasi / ID Koperasi)"),
                hint=_("add one, or give the cooperative for every row with --coop"),
            )
        sink = ErrorSink(
            result,
            table.headers,
            Path(errors_path) if errors_path else None,
            delimiter=table.delimiter,
            force=force,
            protect=(path,),
        )
        checker = PersonChecker(session, mapping, fixed_coop, sink, confirm=confirm)
        writer = PeopleWriter(session, result, sink)
        batch: list[PersonRow] = []
        try:
            for line, values in table.rows:
                result.rows += 1
                row = checker.check(line, values)
                if row is not None:
                    batch.append(row)
                if len(batch) >= BATCH:
                    writer.write(batch)
                    batch = []
                    if progress:
                        progress(table.position(), table.size)
            writer.write(batch)
            if progress:
                progress(table.size, table.size)
        finally:
            sink.close()
    if result.invalid and not skip_invalid:
        raise ImportRejected(result)
    if sum(result.created.values()) >= ANALYZE_AFTER and session.connection().dialect.name == "postgresql":
        # PostgreSQL's planner still believes the tables hold what they held before the COPY
        # until autovacuum comes by; the reports run right after an import need fresh figures.
        session.connection().exec_driver_sql("ANALYZE person, engagement, enrollment")
    audit.record(
        session,
        "import",
        path.name,
        coop_id=fixed_coop.id if fixed_coop else None,
        action="import people",
        rows=result.rows,
        created=result.created,
        unchanged=result.unchanged,
        ended=result.ended,
        invalid=result.invalid,
    )
    return result
