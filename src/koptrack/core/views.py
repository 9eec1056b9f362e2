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
    session: Session,
    year: object,
    as_of: object = None,
    regency: object = None,
    *,
    workbook: bool = False,
    verified: bool = False,
) -> View:
    """The year's targets with actual figures, progress and a verdict. With `workbook`, the
    report for the office's head too: targets, BPJS coverage by kecamatan, the KSPs not fully
    covered, and PKS-PKB by year (a full coverage pass: only when asked), and how much of the
    coverage BPJS lists verified. With `verified`, the people enrolled that a BPJS participant
    list confirmed, beside the declared figure (the other metrics have no list to check them)."""
    from koptrack.core import pkspkb
    from koptrack.core import targets as targets_core

    y = validate.parse_year(year)
    rows = targets_core.report(session, y, as_of, regency)
    title = f"Targets {y}, as of {rows[0]['as_of']}" if rows else f"Targets {y}"
    columns = TARGET_COLUMNS
    if verified:
        columns = _with_verified(TARGET_COLUMNS)
        for r in rows:
            counted = r["metric"] == "bpjs.enrolled_people" and not r["reported"]
            n = coverage.verified_people(session, r["as_of"], r["kind"], r["base"], r["regency"]) if counted else None
            r["verified"], r["verified_share"] = n, (percent(n, r["actual"]) if n is not None else None)
    day_of = rows[0]["as_of"] if rows else None
    view = View(
        [Section(title, columns, rows, empty=f"no targets for {y}: see `koptrack targets`")],
        warnings=[w for r in rows for w in r["warnings"]],
        notes=([REPORTED_NOTE] if any(r["reported"] for r in rows) else [])
        + (_verification_notes(session, day_of, regency, always=verified) if rows else []),
    )
    if workbook and rows:
        day = rows[0]["as_of"]
        every = CoverageFilter.parse(session, as_of=day, regency=regency)
        ksp = dataclasses.replace(every, kind="ksp")
        checked = coverage.verification(session, day, every.regency or "any")
        view.workbook = [
            Section(f"Targets {y}", columns, rows),
            *([Section("Verified by BPJS", VERIFICATION_COLUMNS, [checked])] if checked else []),
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
    verified: bool = False,
) -> View:
    """Coverage per cooperative (or per kecamatan with `by`), with a totals row; with
    `workbook`, both groupings as the sheets of a workbook; with `verified`, how many of the
    enrollments a BPJS participant list confirmed, beside the declared ones (per cooperative)."""
    if by not in (None, *GROUPINGS):
        raise KoptrackError(f"by {by!r}: can group by kecamatan only")
    per_kec = coverage.bpjs_status_by_kecamatan(session, f, only_behind=only_behind) if by or workbook else []
    per_coop = (
        list(coverage.bpjs_status(session, f, only_behind=only_behind, verified=verified)) if not by or workbook else []
    )
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
    coop_columns = STATUS_COLUMNS
    if verified and not by:
        columns = coop_columns = _with_verified(STATUS_COLUMNS)
        totals["verified"] = sum(r["verified"] for r in rows)
        totals["verified_share"] = percent(totals["verified"], totals["enrolled"])
    view = View(
        [
            Section(
                f"BPJS Ketenagakerjaan coverage on {f.as_of}",
                columns,
                rows,
                totals=totals,
                empty="no cooperative matches",
            )
        ],
        notes=_verification_notes(session, f.as_of, f.regency, always=verified) if verified or workbook else [],
    )
    if workbook:
        view.workbook = [
            Section("Cooperatives", coop_columns, per_coop),
            Section("By kecamatan", BY_KECAMATAN_COLUMNS, per_kec),
        ]
    return view


VERIFIED_COLUMNS = [
    Col("verified", "Verified", "right"),
    Col("verified_share", "Verified %", "right", fmt=pct),
]
VERIFICATION_COLUMNS = [
    Col("as_of", "As of", no_wrap=True),
    Col("enrolled", "People enrolled", "right"),
    Col("verified", "Verified by BPJS", "right"),
    Col("percent", "%", "right", fmt=pct),
    Col("latest_list_on", "Latest list", no_wrap=True),
    Col("latest_list", "File"),
]


def _with_verified(columns: list[Col]) -> list[Col]:
    """The columns with the verified figures after the declared ones (after `Enrolled` or `Actual`)."""
    at = next(i for i, c in enumerate(columns) if c.key in ("enrolled", "actual")) + 1
    return columns[:at] + VERIFIED_COLUMNS + columns[at:]


def _verification_notes(session: Session, day: Any, regency: Any = None, *, always: bool = True) -> list[str]:
    """How much of the coverage BPJS lists confirmed, and when: a note for the printed report
    (when none ever did, a note only if `always`)."""
    v = coverage.verification(session, day, regency or "any")
    if v is None:
        none = "verified: no BPJS participant list has confirmed an enrollment yet (`bpjs reconcile --apply`)"
        return [none] if always else []
    return [
        f"verified: {v['verified']:,} of {v['enrolled']:,} people enrolled on {day} ({pct(v['percent']) or '0.0%'}) "
        f"confirmed by a BPJS participant list; latest list {v['latest_list']} of {v['latest_list_on']}"
    ]


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
    """The first refused rows of an import (ImportResult) and how many more there are: rows, not
    reasons (a row refused for three reasons is three lines of the table, and one row)."""
    rows = [e.__dict__ for e in result.errors[:REFUSED_SHOWN]]
    shown = len({e.line for e in result.errors[:REFUSED_SHOWN]})
    return Section(f"Rows refused in {result.file}", REFUSED_COLUMNS, rows), max(result.invalid - shown, 0)


# --- BPJS list reconciliation -------------------------------------------------------------------

RECONCILE_SHEETS = {
    "confirmed": "Confirmed",
    "not_active": "Not active at BPJS",
    "not_enrolled": "Not enrolled",
    "not_on_roster": "Not on roster",
    "disagree": "Disagree",
    "two_coops": "Two cooperatives",
    "other_npp": "Other NPP",
}
RECONCILE_CLASS_COLUMNS = [
    Col("class", "Class"),
    Col("label", "What it means"),
    Col("people", "People", "right"),
    Col("share", "%", "right", fmt=pct),
]
RECONCILE_PEOPLE_COLUMNS = [
    Col("class", "Class"),
    Col("coop_id", "Coop ID", "right"),
    Col("coop", "Cooperative"),
    Col("nik", "NIK", no_wrap=True),
    Col("kpj", "KPJ", no_wrap=True),
    Col("name", "Name"),
    Col("npp", "NPP"),
    Col("tmt", "TMT (BPJS)", no_wrap=True),
    Col("start_on", "Start (koptrack)", no_wrap=True),
    Col("detail", "Detail"),
    Col("line", "Line", "right"),
]
# on the terminal: what a person needs to decide (the files have every column)
RECONCILE_TERMINAL_KEYS = ("coop", "nik", "name", "tmt", "detail", "line")
RECONCILE_COOP_NPP_COLUMNS = [
    Col("coop_id", "ID", "right"),
    Col("coop", "Cooperative"),
    Col("recorded_npp", "NPP recorded"),
    Col("list_npp", "NPP in the list"),
    Col("people", "People", "right"),
]
RECONCILE_SHOWN = 50  # people of each class on the terminal; every one in --csv, --json, --xlsx


def _reconcile_coop_columns() -> list[Col]:
    from koptrack.core.reconcile import CLASSES

    short = {**RECONCILE_SHEETS, "not_active": "Not active", "not_on_roster": "No roster", "two_coops": "Two coops"}
    return [Col("coop_id", "ID", "right"), Col("coop", "Cooperative")] + [
        Col(c, short.get(c, c), "right") for c in CLASSES
    ]


def reconcile(rec: Any, fmt: str = "table", *, workbook: bool = False) -> View:
    """A reconciliation (core/reconcile.Reconciliation) as a report: the summary per class and
    per cooperative, then the people of each class (on the terminal the first RECONCILE_SHOWN of
    each); `--csv` every person with their class; `--json` the whole result; with `workbook`,
    one sheet per class. NIK and KPJ are masked unless the reconciliation was asked to reveal them."""
    import itertools

    from koptrack.core.reconcile import CLASSES

    def people(cls: str, limit: int | None = None) -> Iterable[dict]:
        rows = ({"class": cls, **masked(r, rec.reveal)} for r in rec.rows(cls))
        return itertools.islice(rows, limit) if limit else rows

    dated = f" dated {rec.list_date}" if rec.list_date else ""
    title = f"BPJS list {rec.file}{dated} against koptrack on {rec.as_of}"
    classes = rec.class_summary()
    coops = rec.coop_summary()
    coop_cols = _reconcile_coop_columns()
    totals = {c: rec.counts[c] for c in CLASSES} | {"coop": f"Total ({len(coops)})"}
    repeated = (
        f", {rec.duplicates:,} repeated row{'s' if rec.duplicates != 1 else ''} left out" if rec.duplicates else ""
    )
    notes = [f"{rec.rows_read:,} rows read{repeated}"]
    if rec.applied is None:
        notes.append("nothing was written: --apply records what the list proves")
    else:
        a = rec.applied
        notes.append(
            f"applied: {a['enrolled']:,} enrolled, {a['ended']:,} ended, {a['kpj_recorded']:,} KPJs recorded, "
            f"{a['verified']:,} enrollments verified; {rec.left:,} left for a person to decide"
        )
    warnings = [
        f"cooperative {r['coop_id']} {r['coop']!r}: NPP {r['list_npp']} in the list, {r['recorded_npp'] or 'none'} "
        f"recorded ({r['people']} people)"
        for r in rec.coop_npp
    ]
    total = {"class": "Total", "people": sum(rec.counts.values())}
    summary = Section(title, RECONCILE_CLASS_COLUMNS, classes, totals=total)
    per_coop = Section("By cooperative", coop_cols, coops, totals=totals, empty="no cooperative in the list")
    if fmt == "csv":
        everyone = itertools.chain.from_iterable(people(c) for c in CLASSES)
        return View([Section(title, RECONCILE_PEOPLE_COLUMNS, everyone)], warnings=warnings, notes=notes)
    if fmt == "json":
        doc = {
            "file": rec.file,
            "list_date": rec.list_date,
            "as_of": rec.as_of,
            "rows_read": rec.rows_read,
            "duplicates": rec.duplicates,
            "summary": {c: rec.counts[c] for c in CLASSES},
            "coops": coops,
            "coop_npp": rec.coop_npp,
            "people": {c: list(people(c)) for c in CLASSES},
            "applied": rec.applied,
            "left": rec.left if rec.applied is not None else None,
            "audit_id": rec.audit_id,
        }
        return View([summary], warnings=warnings, notes=notes, json=doc)
    if len(coops) > RECONCILE_SHOWN:  # the terminal: the cooperatives with the most to decide first
        to_decide = sorted(coops, key=lambda r: -sum(r[c] for c in CLASSES if c != "confirmed"))
        title_coops = f"By cooperative (the {RECONCILE_SHOWN} of {len(coops):,} with the most to decide)"
        per_coop = Section(title_coops, coop_cols, to_decide[:RECONCILE_SHOWN], totals=totals)
    parts: list[Section | Record] = [summary, per_coop]
    if rec.coop_npp:
        title_npp = "Cooperatives whose NPP in the list is not their registration's"
        parts.append(Section(title_npp, RECONCILE_COOP_NPP_COLUMNS, rec.coop_npp))
    for c in CLASSES:
        if c == "confirmed" or not rec.counts[c]:
            continue
        more = rec.counts[c] - RECONCILE_SHOWN
        label = f"{CLASSES[c]} ({rec.counts[c]:,}" + (f"; the first {RECONCILE_SHOWN} shown" if more > 0 else "") + ")"
        shown = [col for col in RECONCILE_PEOPLE_COLUMNS if col.key in RECONCILE_TERMINAL_KEYS]
        parts.append(Section(label, shown, people(c, RECONCILE_SHOWN)))
    if len(coops) > RECONCILE_SHOWN or any(rec.counts[c] > RECONCILE_SHOWN for c in CLASSES if c != "confirmed"):
        notes.append("every person of every class: --csv, --json or --xlsx FILE")
    view = View(parts, warnings=warnings, notes=notes)
    if workbook:
        view.workbook = [
            Section("Summary", RECONCILE_CLASS_COLUMNS, classes),
            Section("By cooperative", coop_cols, coops),
            Section("Cooperative NPP", RECONCILE_COOP_NPP_COLUMNS, rec.coop_npp),
        ] + [Section(RECONCILE_SHEETS[c], RECONCILE_PEOPLE_COLUMNS[1:], people(c)) for c in CLASSES]
    return view
