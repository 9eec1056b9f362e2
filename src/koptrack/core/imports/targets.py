"""Importing yearly targets from a sheet (`targets set` for each row): the year, the metric, the
segment (kind and base, `semua`/`all` or empty for every one), the regency (empty: the whole
database), the value and a note, each by the parser `targets set` uses. A target already set to
the same value is unchanged; another value replaces it (and a note given replaces the note), as
`targets set` does. The same target twice in one file with different values is a bad row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from koptrack import i18n
from koptrack.core import audit
from koptrack.core.imports.columns import known, map_headers
from koptrack.core.imports.result import ErrorSink, ImportRejected, ImportResult
from koptrack.core.targets import parse_metric, parse_segment, segment_label
from koptrack.domain import validate
from koptrack.domain.vocab import ANY
from koptrack.errors import ValidationError
from koptrack.i18n import _
from koptrack.io.readers import open_table
from koptrack.io.writers import FORMULA_STARTS
from koptrack.store.tables import TARGET

Key = tuple[int, str, str, str, str]  # year, metric, kind, base, regency


def _cell(values: list[str], mapping: dict[str, int], name: str) -> str:
    k = mapping.get(name, -1)
    if not 0 <= k < len(values):
        return ""
    v = values[k].strip()
    if v[:1] == "'" and v[1:2] in FORMULA_STARTS:
        v = v[1:]  # koptrack's export kept a spreadsheet from reading it as a formula
    return v


def check(line: int, values: list[str], mapping: dict[str, int], sink: ErrorSink) -> tuple[Key, int, Any] | None:
    """(key, value, note) of a row by the rules of `targets set`, or None after reporting every fault."""
    errors: list[tuple[str, object, str]] = []
    parsed: dict[str, Any] = {}
    kind, base = _cell(values, mapping, "kind"), _cell(values, mapping, "base")
    steps: list[tuple[str, str, Callable[[str], Any]]] = [
        ("year", _cell(values, mapping, "year"), validate.parse_year),
        ("metric", _cell(values, mapping, "metric"), parse_metric),
        ("kind", kind, lambda v: parse_segment(v, None)[0]),
        ("base", base, lambda v: parse_segment(None, v)[1]),
        ("regency", _cell(values, mapping, "regency"), lambda v: validate.parse_regency(v) or ANY),
        ("value", _cell(values, mapping, "value"), lambda v: validate.parse_count(v, "value", minimum=1)),
        ("note", _cell(values, mapping, "note"), lambda v: validate.clean_text(v, "note", max_len=2000)),
    ]
    for name, raw, parse in steps:
        try:
            parsed[name] = parse(raw)
        except ValidationError as exc:
            errors.append((name, raw, exc.reason))
    if errors:
        for column, value, reason in errors:
            sink.add(line, column, value, reason, values)
        return None
    key = (parsed["year"], parsed["metric"], parsed["kind"], parsed["base"], parsed["regency"])
    return key, parsed["value"], parsed["note"]


def import_targets(
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
    """Import targets: year, metric, value, and optional kind, base, regency and note. All or
    nothing unless `skip_invalid`; one audit entry with the counts."""
    path = Path(path)
    result = ImportResult(kind="targets", file=path.name, created={"targets": 0})
    T = TARGET
    conn = session.connection()
    stored: dict[Key, tuple[int, int, str | None]] = {
        (y, m, k, b, r): (tid, v, note)
        for tid, y, m, k, b, r, v, note in conn.execute(
            select(T.c.id, T.c.year, T.c.metric, T.c.kind, T.c.base, T.c.regency, T.c.value, T.c.note)
        )
    }
    seen: dict[Key, tuple[int, int, str | None]] = {}  # key -> line, value, note of the file
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    with open_table(path, sheet=sheet, encoding=encoding, known=known("targets")) as table:
        mapping = map_headers("targets", table.headers)
        sink = ErrorSink(
            result,
            table.headers,
            Path(errors_path) if errors_path else None,
            delimiter=table.delimiter,
            force=force,
            protect=(path,),
        )
        try:
            for line, values in table.rows:
                result.rows += 1
                row = check(line, values, mapping, sink)
                if row is None:
                    continue
                key, value, note = row
                earlier = seen.get(key)
                if earlier is not None:
                    if earlier[1] == value and note in (None, earlier[2]):
                        result.unchanged += 1
                    elif earlier[1] != value:
                        sink.add(
                            line,
                            "value",
                            str(value),
                            _("line {line} gives the same target ({target}) the value {value}").format(
                                line=earlier[0], target=_target(key), value=i18n.number(earlier[1])
                            ),
                            values,
                        )
                    else:
                        sink.add(
                            line,
                            "note",
                            note,
                            _("line {line} gives the same target ({target}) another note").format(
                                line=earlier[0], target=_target(key)
                            ),
                            values,
                        )
                    continue
                seen[key] = (line, value, note)
                before = stored.get(key)
                if before is None:
                    year, metric, kind, base, regency = key
                    new.append(
                        {
                            "year": year,
                            "metric": metric,
                            "kind": kind,
                            "base": base,
                            "regency": regency,
                            "value": value,
                            "note": note,
                        }
                    )
                elif before[1] == value and note in (None, before[2]):
                    result.unchanged += 1
                else:  # `targets set` changes the value (and the note, when one is given)
                    changed.append({"tid": before[0], "v": value, "n": before[2] if note is None else note})
            if progress:
                progress(table.size, table.size)
        finally:
            sink.close()
    if result.invalid and not skip_invalid:
        raise ImportRejected(result)
    if new:
        conn.execute(insert(T), new)
    if changed:
        conn.execute(
            update(T).where(T.c.id == bindparam("tid")).values(value=bindparam("v"), note=bindparam("n")), changed
        )
    result.created["targets"] = len(new)
    result.updated = len(changed)
    audit.record(
        session,
        "import",
        path.name,
        action="import targets",
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        invalid=result.invalid,
    )
    return result


def _target(key: Key) -> str:
    year, metric, kind, base, regency = key
    return f"{year} {metric} {segment_label(kind, base, regency)}"
