"""What each report holds, decided here once: its columns, its rows and totals, its title, its
warnings, and the sections of a workbook. A command in cli/ calls one function of this module
and hands the `View` to the terminal (io/terminal.py) or its sections to a file writer
(io/writers.py); a test or a notebook can call the same functions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session

from koptrack import i18n
from koptrack.core import coverage
from koptrack.core.coops import Said
from koptrack.core.coverage import CoverageFilter
from koptrack.domain import validate
from koptrack.errors import KoptrackError
from koptrack.i18n import N_, NP_, _, ngettext, pgettext
from koptrack.report import Col, Record, Section, Tone, View, masked, pct, percent

# Machine values (a state, a verdict: what --json and --csv give) are shown in a table in the
# words of the language in force, through a column's `fmt`; the tones read the raw value.


# The `fmt`s that put a machine value in words: a workbook's sheet takes its values through them
# too (`sheet`), as the table shows them.
WORD_FORMATS: set[Callable[[Any], str]] = set()


def _words_fmt(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    WORD_FORMATS.add(fmt)
    return fmt


def in_words(words: dict[str, str]) -> Callable[[Any], str]:
    """A column's `fmt`: a machine value in words (`words` maps it to a text marked with N_());
    a value the core already put in words (a `Said`) as it is."""

    def fmt(value: Any) -> str:
        if isinstance(value, Said):
            return str(value)
        return _(words[value]) if isinstance(value, str) and value in words else str(value)

    return _words_fmt(fmt)


def sheet(title: str, columns: list[Col], rows: Iterable[dict]) -> Section:
    """A workbook's sheet: the rows with their machine values (a state, a verdict, a segment) in
    words, as a table shows them; numbers, dates and percentages stay values. The rows
    themselves (what --json and --csv give) are not changed."""
    worded = [(c.key, c.fmt) for c in columns if c.fmt in WORD_FORMATS]

    def in_words_row(row: dict) -> dict:
        out = dict(row)
        for key, fmt in worded:
            if out.get(key) is not None and fmt is not None:
                out[key] = fmt(out[key])
        return out

    return Section(title, columns, (in_words_row(r) for r in rows))


def _count(n: int) -> str:
    """A count in a sentence: `1,234` (English, as the notes always wrote them), `1.234`."""
    return f"{n:,}" if i18n.language() == "en" else i18n.number(n)


@_words_fmt
def _segment_words(value: Any) -> str:
    from koptrack.core.targets import segment_words

    return segment_words(value)


@_words_fmt
def _source_words(value: Any) -> str:
    from koptrack.core.targets import source_words

    return source_words(value)


@_words_fmt
def base_words(value: Any) -> str:
    """A cooperative's membership base: karyawan and masyarakat as they are, unknown in words."""
    return pgettext("base", "unknown") if value == "unknown" else str(value)


STATUS_WORDS = {"active": N_("active"), "inactive": N_("inactive")}
EMPLOYER_SIZE_WORDS = {
    "micro": N_("micro"),
    "small": N_("small"),
    "medium": N_("medium"),
    "large": N_("large"),
    "any": N_("any size"),
}
status_words = in_words(STATUS_WORDS)
employer_size_words = in_words(EMPLOYER_SIZE_WORDS)

# --- targets ------------------------------------------------------------------------------------

VERDICT_TONES: dict[str, Tone] = {
    "met": "good",
    "on-track": "good",
    "behind": "warn",
    "missed": "bad",
    "pending": "muted",
}


VERDICT_WORDS = {
    "met": N_("met"),
    "on-track": N_("on track"),
    "behind": N_("behind"),
    "missed": N_("missed"),
    "pending": N_("pending"),
}
verdict_words = in_words(VERDICT_WORDS)


def _programme_short(value: str) -> str:
    return "BPJS TK" if value.startswith("BPJS") else value


@_words_fmt
def _metric_label(value: Any) -> str:
    """The rows' metric_label (a text of targets.METRIC_LABELS) in words."""
    return _(str.__str__(value))


@_words_fmt
def _metric_words(value: Any) -> str:
    """The measure of a row of the table: its label and its segment (`targets` sets them)."""
    return str(value) if isinstance(value, Said) else _metric_label(value)


def _measure(row: dict) -> Said:
    """A target's measure as its table names it: the metric's label and, unless it counts every
    cooperative, its segment in words (`people enrolled: kopkar (base karyawan)`); the row's
    metric_label itself (--json, --csv) stays the label."""
    from koptrack.core.targets import segment_words

    english = row["metric_label"]
    label = _(english)
    if row["segment"] != "all":
        label = _("{measure}: {segment}").format(measure=label, segment=segment_words(row["segment"]))
    return Said(english, label)


# On the terminal the measure names the segment too (two rows may differ only by it). At 80
# columns the measure, the figures and the verdict stay; the progress bar, the source and the
# programme (the measure names it) make room, in that order.
TARGET_COLUMNS = [
    Col("programme", N_("Programme"), fmt=_programme_short, drop=2),
    Col("metric_label", N_("Measure"), fmt=_metric_words, wrap=True),
    Col("target", N_("Target"), "right"),
    Col("actual", N_("Actual"), "right"),
    Col("percent", "%", "right", fmt=pct),
    Col("percent", N_("Progress"), bar=True, drop=4),
    Col("remaining", N_("Remaining"), "right"),
    Col("source", N_("Source"), fmt=_source_words, drop=3),
    Col("verdict", N_("Verdict"), fmt=verdict_words, tone=VERDICT_TONES.get),
]
# The workbook's sheet: the segment in a column of its own.
TARGET_SHEET_COLUMNS = [
    TARGET_COLUMNS[0],
    Col("metric_label", N_("Measure"), fmt=_metric_label),
    Col("segment", N_("Segment"), fmt=_segment_words),
    *TARGET_COLUMNS[2:],
]
YEARS_COLUMNS = [Col("year", N_("Year")), Col("targets", N_("Targets"), "right")]
REPORTED_NOTE = N_(
    "reported count: a figure from an office report without names, standing in until named records exist"
)


def target_years(session: Session, regency: object = None) -> View:
    from koptrack.core import targets

    rows = targets.years(session, regency)
    return View(
        [
            Section(
                _("Years with targets"),
                YEARS_COLUMNS,
                rows,
                empty=_("no targets yet: load `koptrack seed` or use `koptrack targets set`"),
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
    title = (
        _("Targets {year}, as of {day}").format(year=y, day=i18n.date_title(rows[0]["as_of"]))
        if rows
        else _("Targets {year}").format(year=y)
    )
    for r in rows:
        r["metric_label"] = _measure(r)
    columns, sheet_columns = TARGET_COLUMNS, TARGET_SHEET_COLUMNS
    if verified:
        columns, sheet_columns = _with_verified(TARGET_COLUMNS), _with_verified(TARGET_SHEET_COLUMNS)
        for r in rows:
            counted = r["metric"] == "bpjs.enrolled_people" and not r["reported"]
            n = coverage.verified_people(session, r["as_of"], r["kind"], r["base"], r["regency"]) if counted else None
            r["verified"], r["verified_share"] = n, (percent(n, r["actual"]) if n is not None else None)
    day_of = rows[0]["as_of"] if rows else None
    view = View(
        [Section(title, columns, rows, empty=_("no targets for {year}: see `koptrack targets`").format(year=y))],
        warnings=[w for r in rows for w in r["warnings"]],
        notes=([_(REPORTED_NOTE)] if any(r["reported"] for r in rows) else [])
        + (_verification_notes(session, day_of, regency, always=verified) if rows else []),
    )
    if workbook and rows:
        day = rows[0]["as_of"]
        every = CoverageFilter.parse(session, as_of=day, regency=regency)
        ksp = dataclasses.replace(every, kind="ksp")
        checked = coverage.verification(session, day, every.regency or "any")
        view.workbook = [
            sheet(_("Targets {year}").format(year=y), sheet_columns, rows),
            *([Section(_("Verified by BPJS"), VERIFICATION_COLUMNS, [checked])] if checked else []),
            sheet(_("BPJS by kecamatan"), BY_KECAMATAN_COLUMNS, coverage.bpjs_status_by_kecamatan(session, every)),
            sheet(
                _("KSP behind"),
                STATUS_COLUMNS,
                coop_states(list(coverage.bpjs_status(session, ksp, only_behind=True))),
            ),
            sheet(
                _("PKS-PKB by year"),
                YEAR_COLUMNS,
                pkspkb.status(session, year=y, as_of=day, regency=regency)["years"],
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
STATE_WORDS = {
    "not registered": N_("not registered"),
    "registered, roster missing": N_("registered, roster missing"),
    "partial": N_("partial"),
    "fully covered": N_("fully covered"),
    "inactive": N_("inactive"),
}
state_words = in_words(STATE_WORDS)
# `partial` with nobody enrolled yet (0 %), as a table says it; the rows keep `partial`.
NONE_ENROLLED = N_("none enrolled")
# The enrollments on the date without every mandatory programme of the person's category: it
# counts enrollments, not people without cover.
LACKING = N_("Lacking mand.")
LACKING_NOTE = N_(
    "Lacking mand.: enrollments without every mandatory programme of the participant's category "
    "(it counts enrollments, not people without cover)"
)
# At 80 columns: the cooperative, its figures and its state stay; the registration date, the
# kind, the kecamatan and then the enrollments lacking a programme make room.
STATUS_COLUMNS = [
    Col("id", "ID", "right"),
    Col("name", N_("Cooperative"), wrap=True),
    Col("kind", N_("Kind"), drop=3),
    Col("kecamatan", "Kecamatan", drop=2),
    Col("registered_on", N_("Registered"), drop=3),
    Col("in_scope", N_("In scope"), "right"),
    Col("enrolled", N_("Enrolled"), "right"),
    Col("coverage", N_("Coverage"), "right", fmt=pct),
    Col("missing_programmes", LACKING, "right", drop=1),
    Col("state", N_("State"), fmt=state_words, tone=STATE_TONES.get, wrap=True),
]
BY_KECAMATAN_COLUMNS = [
    Col("kecamatan", "Kecamatan", wrap=True),
    Col("coops", N_("Coops"), "right"),
    Col("registered", N_("Registered"), "right", drop=1),
    Col("in_scope", N_("In scope"), "right"),
    Col("enrolled", N_("Enrolled"), "right"),
    Col("coverage", N_("Coverage"), "right", fmt=pct),
    Col("missing_programmes", LACKING, "right", drop=1),
    Col("not_registered", N_("Not reg."), "right", drop=2),
    Col("roster_missing", N_("No roster"), "right", drop=2),
    Col("partial", N_("Partial"), "right", drop=2),
    Col("fully_covered", N_("Full"), "right", drop=2),
]
GROUPINGS = ("kecamatan",)


def coop_states(rows: list[dict]) -> list[dict]:
    """The rows, with a `partial` state where nobody is enrolled yet shown as `none enrolled`
    (the value itself, in --json and --csv, stays `partial`)."""
    for r in rows:
        if r["state"] == "partial" and not r["enrolled"]:
            r["state"] = Said("partial", _(NONE_ENROLLED))
    return rows


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
        raise KoptrackError(_("by {by}: can group by kecamatan only").format(by=repr(by)))
    per_kec = coverage.bpjs_status_by_kecamatan(session, f, only_behind=only_behind) if by or workbook else []
    per_coop = (
        coop_states(list(coverage.bpjs_status(session, f, only_behind=only_behind, verified=verified)))
        if not by or workbook
        else []
    )
    if by == "kecamatan":
        rows, columns = per_kec, BY_KECAMATAN_COLUMNS
        totals = _sum(rows, [c.key for c in BY_KECAMATAN_COLUMNS[1:] if c.key != "coverage"])
        totals["kecamatan"] = _("Total ({n})").format(n=i18n.number(len(rows)))
    else:
        rows, columns = per_coop, STATUS_COLUMNS
        totals = _sum(rows, ["in_scope", "enrolled", "missing_programmes"])
        totals["name"] = _("Total ({n})").format(n=i18n.number(len(rows)))
        totals["registered_on"] = _("{n} reg.").format(n=i18n.number(sum(1 for r in rows if r["registered"])))
    totals["coverage"] = percent(totals["enrolled"], totals["in_scope"])
    coop_columns = STATUS_COLUMNS
    if verified and not by:
        columns = coop_columns = _with_verified(STATUS_COLUMNS)
        totals["verified"] = sum(r["verified"] for r in rows)
        totals["verified_share"] = percent(totals["verified"], totals["enrolled"])
    notes = [_(LACKING_NOTE)] if totals["missing_programmes"] else []
    if verified or workbook:
        notes += _verification_notes(session, f.as_of, f.regency, always=verified)
    view = View(
        [
            Section(
                _("BPJS Ketenagakerjaan coverage on {day}").format(day=i18n.date_title(f.as_of)),
                columns,
                rows,
                totals=totals,
                empty=_("no cooperative matches"),
            )
        ],
        notes=notes,
    )
    if workbook:
        view.workbook = [
            sheet(_("Cooperatives"), coop_columns, per_coop),
            sheet(_("By kecamatan"), BY_KECAMATAN_COLUMNS, per_kec),
        ]
    return view


VERIFIED_COLUMNS = [
    Col("verified", N_("Verified"), "right"),
    Col("verified_share", N_("Verified %"), "right", fmt=pct, drop=2),
]
VERIFICATION_COLUMNS = [
    Col("as_of", N_("As of"), no_wrap=True),
    Col("enrolled", N_("People enrolled"), "right"),
    Col("verified", N_("Verified by BPJS"), "right"),
    Col("percent", "%", "right", fmt=pct),
    Col("latest_list_on", N_("Latest list"), no_wrap=True),
    Col("latest_list", N_("File"), wrap=True),
]


def _with_verified(columns: list[Col]) -> list[Col]:
    """The columns with the verified figures after the declared ones (after `Enrolled` or
    `Actual`); to make room at 80 columns, a figure a person can work out from the others (the
    coverage, the remaining) may then give way."""
    at = next(i for i, c in enumerate(columns) if c.key in ("enrolled", "actual")) + 1
    columns = [dataclasses.replace(c, drop=1) if c.key in ("coverage", "remaining") else c for c in columns]
    return columns[:at] + VERIFIED_COLUMNS + columns[at:]


def _verification_notes(session: Session, day: Any, regency: Any = None, *, always: bool = True) -> list[str]:
    """How much of the coverage BPJS lists confirmed, and when: a note for the printed report
    (when none ever did, a note only if `always`)."""
    v = coverage.verification(session, day, regency or "any")
    if v is None:
        none = _("verified: no BPJS participant list has confirmed an enrollment yet (`bpjs reconcile --apply`)")
        return [none] if always else []
    return [
        _(
            "verified: {verified} of {enrolled} people enrolled on {day} ({percent}) confirmed by a BPJS "
            "participant list; latest list {file} of {list_day}"
        ).format(
            verified=_count(v["verified"]),
            enrolled=_count(v["enrolled"]),
            day=i18n.date(day),
            percent=pct(v["percent"] or 0.0),
            file=v["latest_list"],
            list_day=i18n.date(v["latest_list_on"]),
        )
    ]


# --- PKS-PKB ------------------------------------------------------------------------------------

YEAR_COLUMNS = [
    Col("year", N_("Year")),
    Col("as_of", N_("As of"), no_wrap=True, drop=1),
    Col("joined_karyawan", N_("Joined (base karyawan)"), "right"),
    Col("joined_masyarakat", N_("Joined (base masyarakat)"), "right"),
    Col("joined_unknown", N_("Joined (base unknown)"), "right"),
    Col("joined", N_("Joined"), "right"),
    Col("members", N_("Members"), "right"),
    Col("source", N_("Source"), fmt=_source_words, drop=2),
]
MEMBER_COLUMNS = [
    Col("id", "ID", "right"),
    Col("name", N_("Cooperative"), wrap=True),
    Col("base", N_("Base"), fmt=base_words, drop=2),
    Col("kecamatan", "Kecamatan", drop=1),
    Col("joined_on", N_("Joined"), no_wrap=True),
    Col("agreement_no", N_("Agreement"), drop=3),
]


def pkspkb_status(session: Session, *, year: object = None, as_of: object = None, regency: object = None) -> View:
    """PKS-PKB by year and the named members on the as-of date; `--json` is the whole result."""
    from koptrack.core import pkspkb

    result = pkspkb.status(session, year=year, as_of=as_of, regency=regency)
    day = result["as_of"]
    return View(
        [
            Section(_("PKS-PKB by year"), YEAR_COLUMNS, result["years"]),
            Section(
                _("Named members on {day}").format(day=i18n.date_title(day)),
                MEMBER_COLUMNS,
                result["members"],
                empty=_("no named member on {day} (reported counts have no names)").format(day=i18n.date_title(day)),
            ),
        ],
        warnings=[w for r in result["years"] for w in r["warnings"]],
        json=result,
    )


# --- cooperatives, people, kecamatan ------------------------------------------------------------

COOP_LIST_COLUMNS = [
    Col("id", "ID", "right"),
    Col("name", N_("Name"), wrap=True),
    Col("kind", N_("Kind"), drop=1),
    Col("base", N_("Base"), fmt=base_words, drop=3),
    Col("kecamatan", "Kecamatan"),
    Col("desa", "Desa", drop=2),
    Col("status", N_("Status"), fmt=status_words),
]
# The people of `coop show`: at 80 columns the NIK, the name, the role, the enrollment's date
# and what it lacks stay.
PEOPLE_COLUMNS = [
    Col("nik", "NIK", no_wrap=True),
    Col("name", N_("Name"), wrap=True),
    Col("role", N_("Role")),
    Col("since", N_("Since"), no_wrap=True, drop=4),
    Col("enrolled_on", N_("Enrolled"), no_wrap=True, drop=1),
    Col("kpj", "KPJ", no_wrap=True, drop=3),
    Col("category", N_("Cat."), drop=2),
    Col("programmes", N_("Programmes"), drop=2),
    Col("missing_programmes", LACKING, tone=lambda v: "warn" if v else None),
]
WORKER_COLUMNS = [
    Col("nik", "NIK", no_wrap=True),
    Col("name", N_("Name"), wrap=True),
    Col("gender", "L/P", drop=1),
    Col("birth_date", N_("Born"), no_wrap=True, drop=3),
    Col("role", N_("Role")),
    Col("position", N_("Position"), drop=2),
    Col("since", N_("Since"), no_wrap=True),
    Col("until", N_("Until"), no_wrap=True),
]
KECAMATAN_COLUMNS = [Col("code", N_("Code")), Col("name", "Kecamatan", wrap=True), Col("regency", N_("Regency"))]


def _yes_no(value: Any) -> str:
    return _("yes") if value else _("no")


PROGRAMME_COLUMNS = [
    Col("code", N_("Code"), fmt=lambda v: str(v).upper()),
    Col("name", N_("Programme"), wrap=True),
    Col("pu_rate", N_("PU rate")),
    Col("since", N_("Since"), no_wrap=True),
    Col("legal_basis", N_("Basis"), wrap=True, drop=1),
    Col("verified", N_("Checked"), fmt=_yes_no, tone=lambda v: None if v else "muted"),
]
MINIMUM_COLUMNS = [
    Col("category", N_("Category"), fmt=lambda v: str(v).upper()),
    Col("employer_size", N_("Employer size"), fmt=employer_size_words),
    Col("programmes", N_("Mandatory"), fmt=lambda v: ", ".join(v).upper(), wrap=True),
    Col("since", N_("Since"), no_wrap=True),
    Col("legal_basis", N_("Basis"), wrap=True, drop=1),
    Col("verified", N_("Checked"), fmt=_yes_no, tone=lambda v: None if v else "muted"),
]


def programmes(session: Session, as_of: object = None) -> View:
    """The BPJS programmes with their rates, and the minimum programmes, in force on a date."""
    from koptrack.core import bpjs

    data = bpjs.programmes_on(session, validate.parse_as_of(as_of))
    day = i18n.date_title(data["as_of"])
    return View(
        [
            Section(
                _("BPJS Ketenagakerjaan programmes on {day}").format(day=day), PROGRAMME_COLUMNS, data["programmes"]
            ),
            Section(_("Mandatory programmes on {day}").format(day=day), MINIMUM_COLUMNS, data["minimum"]),
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
                _("Cooperatives"),
                COOP_LIST_COLUMNS,
                rows,
                empty=_("no cooperative matches; add one with `koptrack coop add` or load `koptrack seed`"),
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
    state = coop_states([{"state": b["state"], "enrolled": b["enrolled"]}])[0]["state"]
    # the fields' names are translated where the record is shown (they are marked here)
    status = {
        "BPJS Ketenagakerjaan": (
            _("since {day}").format(day=i18n.date(b["registered_on"]))
            if b["registered"]
            else _(STATE_WORDS["not registered"])
        ),
        N_("state"): state_words(state),
        N_("in scope"): b["in_scope"],
        N_("enrolled"): b["enrolled"],
        N_("coverage"): pct(b["coverage"]) or "-",
        N_("enrollments lacking a mandatory programme"): b["missing_programmes"],
        "PKS-PKB": _("member") if p["member"] else _("not a member"),
    }
    people = [masked(row, reveal) for row in profile["people"]]
    return View(
        [
            Record(_("Cooperative {id}").format(id=coop["id"]), _coop_record(coop)),
            Record(_("Status on {day}").format(day=i18n.date_title(day)), status),
            Section(
                _("People and their enrollment"),
                PEOPLE_COLUMNS,
                people,
                empty=_("no people registered on that date"),
            ),
        ],
        json={**coop, **profile, "people": people},
    )


# A cooperative's fields as a record names them (the terminal translates a field's name, its key
# with spaces); kecamatan, desa, label, status and nik koperasi read the same in both languages.
COOP_FIELDS = (
    N_("name"),
    N_("kind"),
    N_("base"),
    N_("kecamatan code"),
    N_("regency"),
    N_("legal no"),
    N_("address"),
    N_("employer size"),
    N_("note"),
    N_("created at"),
    N_("updated at"),
)


def _coop_record(coop: dict) -> dict:
    """A cooperative's record as a person reads it: its base, status and employer size in words
    (the keys stay: the terminal names the fields, and shows the nik koperasi whole)."""
    out = dict(coop)
    if out.get("base") is not None:
        out["base"] = base_words(out["base"])
    if out.get("status") is not None:
        out["status"] = status_words(out["status"])
    if out.get("employer_size") is not None:
        out["employer_size"] = employer_size_words(out["employer_size"])
    return out


def worker_list(session: Session, coop: object, **options: Any) -> View:
    from koptrack.core import people

    rows = people.list_workers(session, coop, **options)
    return View(
        [
            Section(
                _("People"),
                WORKER_COLUMNS,
                rows,
                empty=_("no people registered for this cooperative on that date"),
            )
        ]
    )


def kecamatan_list(session: Session, regency: object = None) -> View:
    from koptrack.core import regions

    rows = regions.list_kecamatan(session, regency)
    return View(
        [Section("Kecamatan", KECAMATAN_COLUMNS, rows, empty=_("no kecamatan loaded yet: run `koptrack seed`"))]
    )


# --- the audit log ------------------------------------------------------------------------------

# The words an audit entry's summary is stored with (English, as recorded): shown in the
# language. The table's columns are marked where the corrections name them (core/corrections.py).
LOG_WORDS = (
    NP_("field", "action"),
    NP_("field", "on"),
    NP_("field", "file"),
    NP_("field", "created"),
    NP_("field", "renamed"),
    NP_("field", "list"),
    NP_("field", "list_date"),
    NP_("field", "metric"),
    NP_("field", "segment"),
    NP_("field", "year"),
    NP_("field", "rows"),
    NP_("field", "people"),
    NP_("field", "shown"),
    NP_("field", "to"),
    NP_("field", "revision"),
    NP_("field", "backup_revision"),
    NP_("field", "restored_from"),
    NP_("field", "allow_future"),
    NP_("field", "enrollments_ended"),
    NP_("field", "new_person"),
    NP_("field", "person_removed"),
    NP_("field", "of"),
    NP_("field", "undoes"),
    NP_("action", "add"),
    NP_("action", "edit"),
    NP_("action", "remove"),
    NP_("action", "leave"),
    NP_("action", "enroll"),
    NP_("action", "end"),
    NP_("action", "join"),
    NP_("action", "register"),
    NP_("action", "deregister"),
    NP_("action", "deactivate"),
    NP_("action", "activate"),
    NP_("action", "undo"),
    NP_("action", "seed"),
    NP_("action", "set"),
    NP_("action", "verify"),
    NP_("action", "reconcile"),
    NP_("action", "kpj"),
    NP_("action", "unregister"),
)


def _summary(value: dict) -> str:
    """An entry's summary in words: `key=value` for each fact, a correction's old and new values
    as `field: old -> new`, a removed row as `removed: field=value, ...`."""
    if not value:
        return ""

    def fact(k: str, v: object) -> str:  # the stored words (English, as recorded) in the language
        if k == "action" and isinstance(v, str):
            v = pgettext("action", v)
        return f"{pgettext('field', k)}={v}"

    parts = [fact(k, v) for k, v in value.items() if k not in ("before", "after")]
    before, after = value.get("before"), value.get("after")

    def row(values: dict) -> str:  # a whole row, removed or put back: its own facts, no row ids
        return ", ".join(fact(k, v) for k, v in values.items() if v is not None and not k.endswith("_id"))

    if isinstance(before, dict) and isinstance(after, dict):
        keys = [*before, *(k for k in after if k not in before)]
        parts += [f"{pgettext('field', key)}: {before.get(key)} -> {after.get(key)}" for key in keys]
    elif isinstance(before, dict):
        parts.append(_("removed: {row}").format(row=row(before)))
    elif isinstance(after, dict):
        parts.append(_("put back: {row}").format(row=row(after)))
    elif "before" in value or "after" in value:
        parts.append(f"{before} -> {after}")
    return ", ".join(parts)


LOG_COLUMNS = [
    Col("id", "#", "right"),
    Col("at", N_("When (UTC)"), no_wrap=True),
    Col("user", N_("User"), drop=1),
    Col("command", N_("Command")),
    Col("entity", N_("Entity"), drop=2),
    Col("entity_id", "ID", drop=3),
    Col("summary", N_("What"), fmt=_summary, wrap=True),
]


def audit_log(session: Session, *, coop: object = None, since: object = None, limit: int | None = 200) -> View:
    """The audit trail, newest first: for one cooperative (id or name) and/or from a date on."""
    from koptrack.core import audit
    from koptrack.core.coops import resolve_coop

    coop_id = resolve_coop(session, coop).id if coop else None
    since_d = validate.parse_date(since, "since") if since else None
    rows = audit.list_entries(session, coop_id=coop_id, since=since_d, limit=limit)
    return View([Section(_("Audit log"), LOG_COLUMNS, rows, empty=_("no changes recorded"))])


# --- the database check, and refused import rows ------------------------------------------------

TABLE_ROWS_COLUMNS = [Col("table", N_("Table")), Col("rows", N_("Rows"), "right")]
FK_COLUMNS = [Col("table", N_("Table")), Col("rowid", N_("Row"), "right"), Col("parent", N_("Missing in"))]


def db_check(result: dict) -> View:
    """The result of store.maintenance.check as a record, the row counts and any foreign-key problem."""
    fk = result["foreign_key_problem_count"]
    integrity = result["integrity"]
    parts: list[Section | Record] = [
        Record(
            _("Database check"),
            {  # the fields' names are translated where the record is shown
                N_("database"): result["database"],
                N_("schema revision"): _("{revision} (this koptrack: {expected})").format(
                    revision=result["revision"], expected=result["expected_revision"]
                ),
                N_("integrity"): _("ok") if integrity == "ok" else integrity,
                N_("foreign keys"): _("ok")
                if not fk
                else ngettext("{n} row points at nothing", "{n} rows point at nothing", fk).format(n=i18n.number(fk)),
            },
        ),
        Section("", TABLE_ROWS_COLUMNS, [{"table": t, "rows": n} for t, n in result["rows"].items()]),
    ]
    if result["foreign_key_problems"]:
        parts.append(Section(_("Foreign-key problems"), FK_COLUMNS, result["foreign_key_problems"]))
    return View(parts, json=result)


def _field_label(field: str) -> str:
    from koptrack.core.imports.columns import field_label

    return field_label(field)


REFUSED_COLUMNS = [
    Col("line", N_("Line")),
    Col("column", N_("Column"), fmt=_field_label),
    Col("value", N_("Value"), wrap=True),
    Col("reason", N_("Reason"), wrap=True),
]
REFUSED_SHOWN = 50


def refused_rows(result: Any) -> tuple[Section, int]:
    """The first refused rows of an import (ImportResult) and how many more there are: rows, not
    reasons (a row refused for three reasons is three lines of the table, and one row)."""
    rows = [e.__dict__ for e in result.errors[:REFUSED_SHOWN]]
    shown = len({e.line for e in result.errors[:REFUSED_SHOWN]})
    title = _("Rows refused in {file}").format(file=result.file)
    return Section(title, REFUSED_COLUMNS, rows), max(result.invalid - shown, 0)


# --- BPJS list reconciliation -------------------------------------------------------------------

RECONCILE_SHEETS = {
    "confirmed": N_("Confirmed"),
    "not_active": N_("Not active at BPJS"),
    "not_enrolled": N_("Not enrolled"),
    "not_on_roster": N_("Not on roster"),
    "disagree": N_("Disagree"),
    "two_coops": N_("Two cooperatives"),
    "other_npp": N_("Other NPP"),
}
# the class column of a table: the class (`not_on_roster`, as --csv and --json give it) in words
_class_words = in_words(RECONCILE_SHEETS)
RECONCILE_CLASS_COLUMNS = [
    Col("class", N_("Class"), fmt=_class_words),
    Col("label", N_("What it means"), fmt=_words_fmt(lambda v: _(str(v))), wrap=True),
    Col("people", N_("People"), "right"),
    Col("share", "%", "right", fmt=pct),
]
RECONCILE_PEOPLE_COLUMNS = [
    Col("class", N_("Class"), fmt=_class_words),
    Col("coop_id", N_("Coop ID"), "right"),
    Col("coop", N_("Cooperative"), wrap=True),
    Col("nik", "NIK", no_wrap=True),
    Col("kpj", "KPJ", no_wrap=True),
    Col("name", N_("Name"), wrap=True),
    Col("npp", "NPP"),
    Col("tmt", N_("TMT (BPJS)"), no_wrap=True, drop=1),
    Col("start_on", N_("Start (koptrack)"), no_wrap=True),
    Col("detail", N_("Detail"), wrap=True),
    Col("line", N_("Line"), "right", drop=2),
]
# on the terminal: what a person needs to decide (the files have every column)
RECONCILE_TERMINAL_KEYS = ("coop", "nik", "name", "tmt", "detail", "line")
RECONCILE_COOP_NPP_COLUMNS = [
    Col("coop_id", "ID", "right"),
    Col("coop", N_("Cooperative"), wrap=True),
    Col("recorded_npp", N_("NPP recorded")),
    Col("list_npp", N_("NPP in the list")),
    Col("people", N_("People"), "right"),
]
RECONCILE_SHOWN = 50  # people of each class on the terminal; every one in --csv, --json, --xlsx
# a class's column in the table by cooperative (the rare classes make room at 80 columns)
RECONCILE_SHORT = {
    **RECONCILE_SHEETS,
    "not_active": N_("Not active"),
    "not_on_roster": N_("No roster"),
    "two_coops": N_("Two coops"),
}


def _date(value: Any) -> str:
    """A date of the reconciliation (a date, or the list's date as it was written) for a title."""
    import datetime as dt

    return i18n.date_title(value) if isinstance(value, dt.date) else str(value)


def _reconcile_coop_columns() -> list[Col]:
    from koptrack.core.reconcile import CLASSES

    rare = ("two_coops", "other_npp")
    return [Col("coop_id", "ID", "right"), Col("coop", N_("Cooperative"), wrap=True)] + [
        Col(c, RECONCILE_SHORT.get(c, c), "right", drop=1 if c in rare else 0) for c in CLASSES
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

    if rec.list_date:
        title = _("BPJS list {file} dated {list_day} against koptrack on {day}").format(
            file=rec.file, list_day=_date(rec.list_date), day=_date(rec.as_of)
        )
    else:
        title = _("BPJS list {file} against koptrack on {day}").format(file=rec.file, day=_date(rec.as_of))
    classes = rec.class_summary()
    coops = rec.coop_summary()
    coop_cols = _reconcile_coop_columns()
    totals = {c: rec.counts[c] for c in CLASSES} | {"coop": _("Total ({n})").format(n=i18n.number(len(coops)))}
    if rec.duplicates:
        read = ngettext(
            "{n} rows read, {repeated} repeated row left out",
            "{n} rows read, {repeated} repeated rows left out",
            rec.duplicates,
        ).format(n=_count(rec.rows_read), repeated=_count(rec.duplicates))
    else:
        read = ngettext("{n} row read", "{n} rows read", rec.rows_read).format(n=_count(rec.rows_read))
    notes = [read]
    if rec.applied is None:
        notes.append(_("nothing was written: --apply records what the list proves"))
    else:
        a = rec.applied
        notes.append(
            _(
                "applied: {enrolled} enrolled, {ended} ended, {kpj} KPJs recorded, {verified} enrollments "
                "verified; {left} left for a person to decide"
            ).format(
                enrolled=_count(a["enrolled"]),
                ended=_count(a["ended"]),
                kpj=_count(a["kpj_recorded"]),
                verified=_count(a["verified"]),
                left=_count(rec.left),
            )
        )
    warnings = [
        _("cooperative {id} {name}: NPP {list_npp} in the list, {recorded_npp} recorded ({people} people)").format(
            id=r["coop_id"],
            name=repr(r["coop"]),
            list_npp=r["list_npp"],
            recorded_npp=r["recorded_npp"] or pgettext("npp", "none"),
            people=_count(r["people"]),
        )
        for r in rec.coop_npp
    ]
    total = {"class": _("Total"), "people": sum(rec.counts.values())}
    summary = Section(title, RECONCILE_CLASS_COLUMNS, classes, totals=total)
    per_coop = Section(_("By cooperative"), coop_cols, coops, totals=totals, empty=_("no cooperative in the list"))
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
        title_coops = _("By cooperative (the {shown} of {n} with the most to decide)").format(
            shown=RECONCILE_SHOWN, n=_count(len(coops))
        )
        per_coop = Section(title_coops, coop_cols, to_decide[:RECONCILE_SHOWN], totals=totals)
    parts: list[Section | Record] = [summary, per_coop]
    if rec.coop_npp:
        title_npp = _("Cooperatives whose NPP in the list is not their registration's")
        parts.append(Section(title_npp, RECONCILE_COOP_NPP_COLUMNS, rec.coop_npp))
    for c in CLASSES:
        if c == "confirmed" or not rec.counts[c]:
            continue
        more = rec.counts[c] - RECONCILE_SHOWN
        label = (_("{label} ({n}; the first {shown} shown)") if more > 0 else _("{label} ({n})")).format(
            label=_(CLASSES[c]), n=_count(rec.counts[c]), shown=RECONCILE_SHOWN
        )
        shown = [col for col in RECONCILE_PEOPLE_COLUMNS if col.key in RECONCILE_TERMINAL_KEYS]
        parts.append(Section(label, shown, people(c, RECONCILE_SHOWN)))
    if len(coops) > RECONCILE_SHOWN or any(rec.counts[c] > RECONCILE_SHOWN for c in CLASSES if c != "confirmed"):
        notes.append(_("every person of every class: --csv, --json or --xlsx FILE"))
    view = View(parts, warnings=warnings, notes=notes)
    if workbook:
        view.workbook = [
            sheet(_("Summary"), RECONCILE_CLASS_COLUMNS, classes),
            Section(_("By cooperative"), coop_cols, coops),
            Section(_("Cooperative NPP"), RECONCILE_COOP_NPP_COLUMNS, rec.coop_npp),
        ] + [Section(_(RECONCILE_SHEETS[c]), RECONCILE_PEOPLE_COLUMNS[1:], people(c)) for c in CLASSES]
    return view


# --- trend --------------------------------------------------------------------------------------


def trend(session: Session, *, fmt: str = "table", **options: Any) -> View:
    """Every figure per period (`koptrack trend`, built by core/trend.view): on the terminal a
    table per kind of figure with a sparkline, the target lines and the change since the
    previous period; for --json and --csv the tidy series (period, as_of, metric, segment,
    value, target, change)."""
    from koptrack.core import trend as trend_core

    return trend_core.view(session, fmt=fmt, **options)
