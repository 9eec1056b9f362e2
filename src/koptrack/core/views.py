"""What each report holds, decided here once: its columns, its rows and totals, its title, its
warnings, and the sections of a workbook. A command in cli/ calls one function of this module
and hands the `View` to the terminal (io/terminal.py) or its sections to a file writer
(io/writers.py); a test or a notebook can call the same functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session

from koptrack.core import coverage
from koptrack.core.coverage import CoverageFilter
from koptrack.domain import validate
from koptrack.errors import KoptrackError
from koptrack.report import Col, Record, Section, Tone, View, masked, pct, percent

# --- targets ------------------------------------------------------------------------------------

VERDICT_TONES: dict[str, Tone] = {
    "met": "good",
    "on-track": "good",
    "behind": "warn",
    "missed": "bad",
    "pending": "muted",
}


def _programme_short(value: str) -> str:
    return "BPJS TK" if value.startswith("BPJS") else value


TARGET_COLUMNS = [
    Col("programme", "Programme", fmt=_programme_short),
    Col("metric_label", "Measure"),
    Col("segment", "Segment"),
    Col("target", "Target", "right"),
    Col("actual", "Actual", "right"),
    Col("percent", "%", "right", fmt=pct),
    Col("percent", "Progress", bar=True),
    Col("remaining", "Remaining", "right"),
    Col("source", "Source"),
    Col("verdict", "Verdict", tone=VERDICT_TONES.get),
]
YEARS_COLUMNS = [Col("year", "Year"), Col("targets", "Targets", "right")]
REPORTED_NOTE = "reported: an office report's count without names, standing in until named records exist"


def target_years(session: Session, regency: object = None) -> View:
    from koptrack.core import targets

    rows = targets.years(session, regency)
    return View(
        [
            Section(
                "Years with targets",
                YEARS_COLUMNS,
                rows,
                empty="no targets yet: load `koptrack seed` or use `koptrack targets set`",
            )
        ]
    )


def targets(
    session: Session, year: object, as_of: object = None, regency: object = None, *, workbook: bool = False
) -> View:
    """The year's targets with actual figures, progress and a verdict. With `workbook`, the
    report for the office's head too: targets, BPJS coverage by kecamatan, the KSPs not fully
    covered, and PKS-PKB by year (a full coverage pass: only when asked)."""
    from koptrack.core import pkspkb
    from koptrack.core import targets as targets_core

    y = validate.parse_year(year)
    rows = targets_core.report(session, y, as_of, regency)
    title = f"Targets {y}, as of {rows[0]['as_of']}" if rows else f"Targets {y}"
    view = View(
        [Section(title, TARGET_COLUMNS, rows, empty=f"no targets for {y}: see `koptrack targets`")],
        warnings=[w for r in rows for w in r["warnings"]],
        notes=[REPORTED_NOTE] if any(r["reported"] for r in rows) else [],
    )
    if workbook and rows:
        day = rows[0]["as_of"]
        every = CoverageFilter.parse(session, as_of=day, regency=regency)
        ksp = dataclasses.replace(every, kind="ksp")
        view.workbook = [
            Section(f"Targets {y}", TARGET_COLUMNS, rows),
            Section("BPJS by kecamatan", BY_KECAMATAN_COLUMNS, coverage.bpjs_status_by_kecamatan(session, every)),
            Section("KSP behind", STATUS_COLUMNS, list(coverage.bpjs_status(session, ksp, only_behind=True))),
            Section(
                "PKS-PKB by year", YEAR_COLUMNS, pkspkb.status(session, year=y, as_of=day, regency=regency)["years"]
            ),
        ]
    return view


# --- BPJS coverage ------------------------------------------------------------------------------

STATE_TONES: dict[str, Tone] = {
    "not registered": "bad",
    "registered, roster missing": "warn",
    "partial": "warn",
    "fully covered": "good",
}
STATUS_COLUMNS = [
    Col("id", "ID", "right"),
    Col("name", "Cooperative"),
    Col("kind", "Kind"),
    Col("kecamatan", "Kecamatan"),
    Col("registered_on", "Registered"),
    Col("in_scope", "In scope", "right"),
    Col("enrolled", "Enrolled", "right"),
    Col("coverage", "Coverage", "right", fmt=pct),
    Col("missing_programmes", "Lacking", "right"),
    Col("state", "State", tone=STATE_TONES.get),
]
BY_KECAMATAN_COLUMNS = [
    Col("kecamatan", "Kecamatan"),
    Col("coops", "Coops", "right"),
    Col("registered", "Registered", "right"),
    Col("in_scope", "In scope", "right"),
    Col("enrolled", "Enrolled", "right"),
    Col("coverage", "Coverage", "right", fmt=pct),
    Col("missing_programmes", "Lacking progs", "right"),
    Col("not_registered", "Not reg.", "right"),
    Col("roster_missing", "No roster", "right"),
    Col("partial", "Partial", "right"),
    Col("fully_covered", "Full", "right"),
]
GROUPINGS = ("kecamatan",)


def _sum(rows: list[dict], keys: Iterable[str]) -> dict[str, Any]:
    return {k: sum(r[k] for r in rows) for k in keys}


def bpjs_status(
    session: Session,
    f: CoverageFilter,
    *,
    only_behind: bool = False,
    by: str | None = None,
    workbook: bool = False,
) -> View:
    """Coverage per cooperative (or per kecamatan with `by`), with a totals row; with
    `workbook`, both groupings as the sheets of a workbook."""
    if by not in (None, *GROUPINGS):
        raise KoptrackError(f"by {by!r}: can group by kecamatan only")
    per_kec = coverage.bpjs_status_by_kecamatan(session, f, only_behind=only_behind) if by or workbook else []
    per_coop = list(coverage.bpjs_status(session, f, only_behind=only_behind)) if not by or workbook else []
    if by == "kecamatan":
        rows, columns = per_kec, BY_KECAMATAN_COLUMNS
        totals = _sum(rows, [c.key for c in BY_KECAMATAN_COLUMNS[1:] if c.key != "coverage"])
        totals["kecamatan"] = f"Total ({len(rows)})"
    else:
        rows, columns = per_coop, STATUS_COLUMNS
        totals = _sum(rows, ["in_scope", "enrolled", "missing_programmes"])
        totals["name"] = f"Total ({len(rows)})"
        totals["registered_on"] = f"{sum(1 for r in rows if r['registered'])} reg."
    totals["coverage"] = percent(totals["enrolled"], totals["in_scope"])
    view = View(
        [
            Section(
                f"BPJS Ketenagakerjaan coverage on {f.as_of}",
                columns,
                rows,
                totals=totals,
                empty="no cooperative matches",
            )
        ]
    )
    if workbook:
        view.workbook = [
            Section("Cooperatives", STATUS_COLUMNS, per_coop),
            Section("By kecamatan", BY_KECAMATAN_COLUMNS, per_kec),
        ]
    return view


# --- PKS-PKB ------------------------------------------------------------------------------------

YEAR_COLUMNS = [
    Col("year", "Year"),
    Col("as_of", "As of", no_wrap=True),
    Col("joined_karyawan", "Joined karyawan", "right"),
    Col("joined_masyarakat", "Joined masyarakat", "right"),
    Col("joined_unknown", "Joined (base unknown)", "right"),
    Col("joined", "Joined", "right"),
    Col("members", "Members", "right"),
    Col("source", "Source"),
]
MEMBER_COLUMNS = [
    Col("id", "ID", "right"),
    Col("name", "Cooperative"),
    Col("base", "Base"),
    Col("kecamatan", "Kecamatan"),
    Col("joined_on", "Joined", no_wrap=True),
    Col("agreement_no", "Agreement"),
]


def pkspkb_status(session: Session, *, year: object = None, as_of: object = None, regency: object = None) -> View:
    """PKS-PKB by year and the named members on the as-of date; `--json` is the whole result."""
    from koptrack.core import pkspkb

    result = pkspkb.status(session, year=year, as_of=as_of, regency=regency)
    day = result["as_of"]
    return View(
        [
            Section("PKS-PKB by year", YEAR_COLUMNS, result["years"]),
            Section(
                f"Named members on {day}",
                MEMBER_COLUMNS,
                result["members"],
                empty=f"no named member on {day} (reported counts have no names)",
            ),
        ],
        warnings=[w for r in result["years"] for w in r["warnings"]],
        json=result,
    )


# --- cooperatives, people, kecamatan ------------------------------------------------------------

COOP_LIST_COLUMNS = [
    Col("id", "ID", "right"),
    Col("name", "Name"),
    Col("kind", "Kind"),
    Col("base", "Base"),
    Col("kecamatan", "Kecamatan"),
    Col("desa", "Desa"),
    Col("status", "Status"),
]
PEOPLE_COLUMNS = [
    Col("nik", "NIK", no_wrap=True),
    Col("name", "Name"),
    Col("role", "Role"),
    Col("since", "Since", no_wrap=True),
    Col("enrolled_on", "Enrolled", no_wrap=True),
    Col("kpj", "KPJ", no_wrap=True),
    Col("category", "Cat."),
    Col("programmes", "Programmes"),
    Col("missing_programmes", "Lacking", tone=lambda v: "warn" if v else None),
]
WORKER_COLUMNS = [
    Col("nik", "NIK", no_wrap=True),
    Col("name", "Name"),
    Col("gender", "L/P"),
    Col("birth_date", "Born", no_wrap=True),
    Col("role", "Role"),
    Col("position", "Position"),
    Col("since", "Since", no_wrap=True),
    Col("until", "Until", no_wrap=True),
]
KECAMATAN_COLUMNS = [Col("code", "Code"), Col("name", "Kecamatan"), Col("regency", "Regency")]


PROGRAMME_COLUMNS = [
    Col("code", "Code", fmt=lambda v: str(v).upper()),
    Col("name", "Programme"),
    Col("pu_rate", "PU rate"),
    Col("since", "Since", no_wrap=True),
    Col("legal_basis", "Basis"),
    Col("verified", "Checked", fmt=lambda v: "yes" if v else "no", tone=lambda v: None if v else "muted"),
]
MINIMUM_COLUMNS = [
    Col("category", "Category", fmt=lambda v: str(v).upper()),
    Col("employer_size", "Employer size"),
    Col("programmes", "Mandatory", fmt=lambda v: ", ".join(v).upper()),
    Col("since", "Since", no_wrap=True),
    Col("legal_basis", "Basis"),
    Col("verified", "Checked", fmt=lambda v: "yes" if v else "no", tone=lambda v: None if v else "muted"),
]


def programmes(session: Session, as_of: object = None) -> View:
    """The BPJS programmes with their rates, and the minimum programmes, in force on a date."""
    from koptrack.core import bpjs

    data = bpjs.programmes_on(session, validate.parse_as_of(as_of))
    day = data["as_of"].isoformat()
    return View(
        [
            Section(f"BPJS Ketenagakerjaan programmes on {day}", PROGRAMME_COLUMNS, data["programmes"]),
            Section(f"Mandatory programmes on {day}", MINIMUM_COLUMNS, data["minimum"]),
        ],
        json=data,
    )


def coop_list(session: Session, **filters: Any) -> View:
    """Cooperatives matching the filters (coops.list_coops), streamed."""
    from koptrack.core import coops

    rows = coops.list_coops(session, **filters)
    return View(
        [
            Section(
                "Cooperatives",
                COOP_LIST_COLUMNS,
                rows,
                empty="no cooperative matches; add one with `koptrack coop add` or load `koptrack seed`",
            )
        ]
    )


def coop_show(session: Session, ref: object, as_of: object = None, *, reveal: bool = False) -> View:
    """One cooperative: its record, its BPJS and PKS-PKB status on the date, and its people."""
    from koptrack.core import coops

    day = validate.parse_as_of(as_of)
    coop = coops.get_coop(session, ref)
    profile = coverage.coop_profile(session, coop["id"], day)
    b, p = profile["bpjs"], profile["pkspkb"]
    status = {
        "BPJS Ketenagakerjaan": f"since {b['registered_on']}" if b["registered"] else "not registered",
        "state": b["state"],
        "in scope": b["in_scope"],
        "enrolled": b["enrolled"],
        "coverage": pct(b["coverage"]) or "-",
        "lacking programmes": b["missing_programmes"],
        "PKS-PKB": "member" if p["member"] else "not a member",
    }
    people = [masked(row, reveal) for row in profile["people"]]
    return View(
        [
            Record(f"Cooperative {coop['id']}", coop),
            Record(f"Status on {day}", status),
            Section("People and their enrollment", PEOPLE_COLUMNS, people, empty="no people registered on that date"),
        ],
        json={**coop, **profile, "people": people},
    )


def worker_list(session: Session, coop: object, **options: Any) -> View:
    from koptrack.core import people

    rows = people.list_workers(session, coop, **options)
    return View(
        [Section("People", WORKER_COLUMNS, rows, empty="no people registered for this cooperative on that date")]
    )


def kecamatan_list(session: Session, regency: object = None) -> View:
    from koptrack.core import regions

    rows = regions.list_kecamatan(session, regency)
    return View([Section("Kecamatan", KECAMATAN_COLUMNS, rows, empty="no kecamatan loaded yet: run `koptrack seed`")])


# --- the audit log ------------------------------------------------------------------------------


def _summary(value: dict) -> str:
    """An entry's summary in words: `key=value` for each fact, a correction's old and new values
    as `field: old -> new`, a removed row as `removed: field=value, ...`."""
    if not value:
        return ""
    parts = [f"{k}={v}" for k, v in value.items() if k not in ("before", "after")]
    before, after = value.get("before"), value.get("after")

    def row(values: dict) -> str:  # a whole row, removed or put back: its own facts, no row ids
        return ", ".join(f"{k}={v}" for k, v in values.items() if v is not None and not k.endswith("_id"))

    if isinstance(before, dict) and isinstance(after, dict):
        keys = [*before, *(k for k in after if k not in before)]
        parts += [f"{key}: {before.get(key)} -> {after.get(key)}" for key in keys]
    elif isinstance(before, dict):
        parts.append(f"removed: {row(before)}")
    elif isinstance(after, dict):
        parts.append(f"put back: {row(after)}")
    elif "before" in value or "after" in value:
        parts.append(f"{before} -> {after}")
    return ", ".join(parts)


LOG_COLUMNS = [
    Col("id", "#", "right"),
    Col("at", "When (UTC)", no_wrap=True),
    Col("user", "User"),
    Col("command", "Command"),
    Col("entity", "Entity"),
    Col("entity_id", "ID"),
    Col("summary", "What", fmt=_summary),
]


def audit_log(session: Session, *, coop: object = None, since: object = None, limit: int | None = 200) -> View:
    """The audit trail, newest first: for one cooperative (id or name) and/or from a date on."""
    from koptrack.core import audit
    from koptrack.core.coops import resolve_coop

    coop_id = resolve_coop(session, coop).id if coop else None
    since_d = validate.parse_date(since, "since") if since else None
    rows = audit.list_entries(session, coop_id=coop_id, since=since_d, limit=limit)
    return View([Section("Audit log", LOG_COLUMNS, rows, empty="no changes recorded")])


# --- the database check, and refused import rows ------------------------------------------------

TABLE_ROWS_COLUMNS = [Col("table", "Table"), Col("rows", "Rows", "right")]
FK_COLUMNS = [Col("table", "Table"), Col("rowid", "Row", "right"), Col("parent", "Missing in")]


def db_check(result: dict) -> View:
    """The result of store.maintenance.check as a record, the row counts and any foreign-key problem."""
    fk = result["foreign_key_problem_count"]
    parts: list[Section | Record] = [
        Record(
            "Database check",
            {
                "database": result["database"],
                "schema revision": f"{result['revision']} (this koptrack: {result['expected_revision']})",
                "integrity": result["integrity"],
                "foreign keys": "ok" if not fk else f"{fk} row(s) point at nothing",
            },
        ),
        Section("", TABLE_ROWS_COLUMNS, [{"table": t, "rows": n} for t, n in result["rows"].items()]),
    ]
    if result["foreign_key_problems"]:
        parts.append(Section("Foreign-key problems", FK_COLUMNS, result["foreign_key_problems"]))
    return View(parts, json=result)


REFUSED_COLUMNS = [Col("line", "Line"), Col("column", "Column"), Col("value", "Value"), Col("reason", "Reason")]
REFUSED_SHOWN = 50


def refused_rows(result: Any) -> tuple[Section, int]:
    """The first refused rows of an import (ImportResult) and how many more there are."""
    rows = [e.__dict__ for e in result.errors[:REFUSED_SHOWN]]
    return Section(f"Rows refused in {result.file}", REFUSED_COLUMNS, rows), max(result.invalid - len(rows), 0)
