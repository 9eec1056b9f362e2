"""The document as a page (HTML, Jinja2, autoescaped) and as a PDF (WeasyPrint), written to a
file through `io/writers.staged`."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from koptrack import __version__, i18n
from koptrack.core import targets
from koptrack.errors import KoptrackError
from koptrack.i18n import N_, _
from koptrack.report_doc.figures import Document, count, long_date

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}

# The page's words (the template holds none of its own: every text is here, in the catalog).
WORDS = {
    "title": N_("Report {year}: BPJS Ketenagakerjaan and PKS-PKB"),
    "subtitle": N_("{place}, as of {day}"),
    "made": N_("Made by koptrack {version} on {day} from the office's database."),
    "summary": N_("Summary"),
    "targets": N_("Targets {year}"),
    "measure": N_("Measure"),
    "target": N_("Target"),
    "actual": N_("Actual"),
    "progress": N_("Progress"),
    "remaining": N_("Remaining"),
    "source": N_("Source"),
    "verdict": N_("Verdict"),
    "no_targets": N_("No targets are set for {year}: `koptrack targets set`."),
    "trends": N_("Through the year"),
    "trends_note": N_(
        "Each target's figure at the end of every month up to {day}: the target dashed, the straight "
        "path from the start of the year to the target dotted (a figure above it is on track)."
    ),
    "coverage_kecamatan": N_("BPJS Ketenagakerjaan coverage by kecamatan"),
    "coverage_regency": N_("BPJS Ketenagakerjaan coverage by regency"),
    "coverage_note": N_(
        "People enrolled as a share of the people in scope (a KSP's employees, a producer "
        "cooperative's members) on {day}; highest first. In all: {enrolled} of {in_scope} ({percent})."
    ),
    "nobody_in_scope": N_("Nobody in scope recorded yet: {names}."),
    "no_coverage": N_("No cooperative has people in scope recorded yet."),
    "behind": N_("Cooperatives not yet fully covered"),
    "behind_kinds": N_("Cooperatives of the kinds the year's BPJS targets count ({kinds}), furthest behind first."),
    "behind_all": N_("Every active cooperative, furthest behind first."),
    "behind_none": N_("Every cooperative counted is fully covered."),
    "cooperative": N_("Cooperative"),
    "kind": N_("Kind"),
    "coverage": N_("Coverage"),
    "lacks": N_("What it lacks"),
    "pkspkb": N_("PKS-PKB members by year"),
    "year": N_("Year"),
    "joined_karyawan": N_("Joined (base karyawan)"),
    "joined_masyarakat": N_("Joined (base masyarakat)"),
    "joined_unknown": N_("Joined (base unknown)"),
    "joined": N_("Joined"),
    "members": N_("Members"),
    "provenance": N_("Where the figures come from"),
    "enrolled_line": N_(
        "People enrolled in BPJS Ketenagakerjaan through the cooperatives on {day}, in scope or not: {enrolled}."
    ),
    "declared_line": N_("Declared by the cooperatives to the office, not yet checked: {declared}."),
    "verified_line": N_(
        "Verified against a BPJS Ketenagakerjaan participant list: {verified} ({percent}); latest list {file} of {day}."
    ),
    "never_verified": N_(
        "Verified against a BPJS Ketenagakerjaan participant list: none yet (`koptrack bpjs reconcile --apply`)."
    ),
    "registered_line": N_(
        "Cooperatives registered with BPJS Ketenagakerjaan: {n}, as the office recorded them (no list checks them yet)."
    ),
    "reported_line": N_(
        "{measure}: {reported} of {actual} is a reported count, a figure from an office report without names."
    ),
    "no_reported": N_("No figure of this report is a reported count: every figure counts named records."),
    "sources": N_("Sources"),
    "no_sources": N_("No source is recorded for the year's targets."),
    "warnings": N_("To check"),
    "page": N_("Page {page} of {pages}"),
    "footer": N_("Report {year}, {place}, as of {day}"),
}


def _word(key: str) -> str:
    """One of the page's words in the language in force."""
    text = WORDS[key]
    return _(text)


def words(doc: Document) -> dict[str, str]:
    """The page's words in the language in force, their placeholders filled."""
    day = long_date(doc.as_of)
    t = doc.coverage_total
    filled: dict[str, dict[str, Any]] = {
        "title": {"year": doc.year},
        "subtitle": {"place": doc.place, "day": day},
        "made": {"version": __version__, "day": long_date(doc.generated_on)},
        "targets": {"year": doc.year},
        "no_targets": {"year": doc.year},
        "trends_note": {"day": day},
        "coverage_note": {
            "day": day,
            "enrolled": count(t["enrolled"]),
            "in_scope": count(t["in_scope"]),
            "percent": i18n.percent(t["coverage"]),
        },
        "behind_kinds": {"kinds": ", ".join(doc.behind_kinds)},
        "footer": {"year": doc.year, "place": doc.place, "day": day},
    }
    return {key: _(text).format(**filled[key]) if key in filled else _(text) for key, text in WORDS.items()}


def css_string(text: str) -> str:
    """A CSS string literal holding `text` as text: every character but letters, digits and
    spaces escaped (a name cannot end the string, the rule or the style element)."""
    out = []
    for ch in text:
        if ch.isalnum() and ch.isascii() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x} ")  # the space ends the escape (CSS consumes it)
    return '"' + "".join(out) + '"'


def page_counter(template: str) -> str:
    """`Page {page} of {pages}` as a CSS `content` value with the page counters."""
    out = []
    rest = template
    while rest:
        at = [(rest.find(k), k) for k in ("{page}", "{pages}") if rest.find(k) >= 0]
        if not at:
            out.append(css_string(rest))
            break
        i, key = min(at)
        if i:
            out.append(css_string(rest[:i]))
        out.append("counter(page)" if key == "{page}" else "counter(pages)")
        rest = rest[i + len(key) :]
    return " ".join(out)


PKSPKB_FIGURES = ("joined_karyawan", "joined_masyarakat", "joined_unknown", "joined", "members")
TONES = {"met": "good", "on-track": "good", "behind": "warn", "missed": "bad"}
# The progress bars' colours, as attributes: a PDF's SVG takes no colour from the page's CSS.
TONE_COLOURS = {"good": "#2e7d32", "warn": "#c77700", "bad": "#b3261e", "muted": "#1f5f9f"}


def _bar(value: float | None, verdict: str) -> dict:
    tone = TONES.get(verdict, "muted")
    return {"width": max(0.0, min(100.0, value or 0.0)), "tone": tone, "colour": TONE_COLOURS[tone]}


def context(doc: Document) -> dict[str, Any]:
    """What the template shows, every value already a text in the language (or a chart)."""
    from markupsafe import Markup

    from koptrack.core import views
    from koptrack.report_doc import charts

    w = words(doc)
    target_rows = [
        {
            "measure": f.measure,
            "target": count(f.row["target"]),
            "actual": count(f.row["actual"]),
            "percent": i18n.percent(f.row["percent"]),
            "bar": _bar(f.row["percent"], f.row["verdict"]),
            "remaining": count(f.row["remaining"]),
            "source": targets.source_words(f.row["source"]),
            "verdict": views.verdict_words(f.row["verdict"]),
            "tone": TONES.get(f.row["verdict"], "muted"),
        }
        for f in doc.targets
    ]
    trends = [{"title": f.measure, "svg": Markup(charts.trend(f, doc.year))} for f in doc.targets if f.trend]
    with_scope = [r for r in doc.coverage if r["coverage"] is not None]
    without = [r["name"] for r in doc.coverage if r["coverage"] is None]
    p = doc.provenance
    provenance = [_word("enrolled_line").format(day=long_date(doc.as_of), enrolled=count(p["enrolled"]))]
    provenance.append(_word("declared_line").format(declared=count(p["declared"])))
    if p["latest_list_on"] is not None:
        provenance.append(
            _word("verified_line").format(
                verified=count(p["verified"]),
                percent=i18n.percent(p["verified_percent"] or 0.0),
                file=p["latest_list"] or "",
                day=long_date(p["latest_list_on"]),
            )
        )
    else:
        provenance.append(_word("never_verified"))
    provenance.append(_word("registered_line").format(n=count(p["registered_coops"])))
    for r in p["reported"]:
        provenance.append(
            _word("reported_line").format(
                measure=r["measure"], reported=count(r["reported"]), actual=count(r["actual"])
            )
        )
    if not p["reported"]:
        provenance.append(_word("no_reported"))
    more = doc.behind_total - len(doc.behind)
    return {
        "lang": i18n.language(),
        "w": w,
        "footer_left": Markup(css_string(w["footer"])),
        "footer_right": Markup(page_counter(_word("page"))),
        "summary": doc.summary,
        "targets": target_rows,
        "trends": trends,
        "coverage_title": w["coverage_kecamatan"] if doc.coverage_by == "kecamatan" else w["coverage_regency"],
        "coverage_chart": Markup(charts.coverage(doc.coverage)) if with_scope else None,
        "nobody_in_scope": _word("nobody_in_scope").format(names=", ".join(without)) if without else "",
        "behind_intro": w["behind_kinds"] if doc.behind_kinds else w["behind_all"],
        "behind": [
            {
                "name": r["name"],
                "kind": r["kind"],
                "kecamatan": r["kecamatan"],
                "coverage": i18n.percent(r["coverage"]) if r["coverage"] is not None else "",
                "lacks": r["lacks"],
            }
            for r in doc.behind
        ],
        "behind_more": _("… and {n} more: `koptrack bpjs status --only-behind` lists them all.").format(n=count(more))
        if more > 0
        else "",
        "pkspkb_chart": Markup(charts.members_by_year(doc.pkspkb_years)) if doc.pkspkb_years else None,
        "pkspkb": [
            {
                "year": r["year"],
                **{k: count(r[k]) for k in PKSPKB_FIGURES},
                "source": r["source"],
            }
            for r in doc.pkspkb_years
        ],
        "provenance": provenance,
        "sources": [
            {
                "title": s["title"],
                "reference": s["reference"] or "",
                "issued_on": long_date(s["issued_on"]) if s["issued_on"] else "",
            }
            for s in doc.sources
        ],
        "warnings": doc.warnings,
    }


def html(doc: Document) -> str:
    """The page: one self-contained HTML document."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is text: a name with <script>, & or quotes prints as typed
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(**context(doc))


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict:
    """The PDF is made from the page alone: nothing is fetched, from the network or a file."""
    raise ValueError(f"koptrack's report fetches nothing ({url[:40]})")


def pdf_bytes(page: str) -> bytes:
    """The page typeset as an A4 PDF (WeasyPrint)."""
    try:
        import weasyprint
    except OSError as exc:  # the Pango library it needs is missing from the system
        raise KoptrackError(
            _("writing a PDF needs the Pango library, which is missing ({error})").format(error=str(exc)[:120]),
            hint=_("install it (Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0), or write .html"),
        ) from None
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=page, url_fetcher=_no_fetch)
    return bytes(document.write_pdf())


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise KoptrackError(
            _("{path}: the report is written as .pdf or .html (the file's name says which)").format(path=path)
        )
    return FORMATS[suffix]


def write(doc: Document, path: str | Path, *, force: bool = False, protect: tuple = ()) -> dict:
    """Write the document to `path` (.pdf or .html); what was written."""
    from koptrack.io import writers

    fmt = format_of(path)
    page = html(doc)
    data = pdf_bytes(page) if fmt == "pdf" else page.encode("utf-8")
    with writers.staged(path, force=force, protect=protect) as tmp:
        Path(tmp).write_bytes(data)
    return {"path": str(path), "format": fmt, "bytes": len(data), "as_of": doc.as_of, "written": dt.datetime.now()}
