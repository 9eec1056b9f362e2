"""`koptrack report YEAR -o FILE`: the head of office's document, looked at as a person would.

A seeded and generated office (bench/generate.py's tiny tier, with a cooperative whose name is
markup and a person engaged with it) is written as HTML and as PDF in English and Indonesian;
the PDF's pages and text are read back (pypdf), the HTML is opened in a real headless Chromium
(through the DevTools protocol on a pipe: no other program or library) and screenshotted at A4
width. No NIK of the office's people may appear, in full or masked.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from koptrack import i18n, store
from koptrack.cli import COMMANDS
from koptrack.cli.common import STATE

pytest.importorskip("jinja2", reason="the report extra is not installed: pip install 'koptrack[report]'")
pytest.importorskip("pygal", reason="the report extra is not installed: pip install 'koptrack[report]'")

try:
    import fcntl  # the browser's pipe and the workers' shared documents (POSIX)
except ImportError:  # Windows
    fcntl = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402

# every test of this file on one pytest-xdist worker: the office and its documents are made once
pytestmark = pytest.mark.xdist_group("report")
# The tests of the generated office's documents: an SQLite file of their own (bench/generate.py
# writes SQLite), so they run in the SQLite pass; the figures are checked on either database by
# test_the_figures_are_the_targets_and_coverage_reports_own.
OWN_OFFICE = pytest.mark.sqlite_only

HOSTILE = '<script>alert("x")</script> & "Koperasi" \'Tést\' </style>'
HOSTILE_NIK = "3215055203900001"  # Siti, as in the other tests
A4_WIDTH = 794  # CSS pixels: 210 mm at 96 per inch


def _report_app() -> typer.Typer:
    from koptrack.cli.report import report

    app = typer.Typer(add_completion=False)
    app.command("report")(report)
    app.command("unused", hidden=True)(lambda: None)  # a group: `report` stays a subcommand
    return app


def run_report(db: Path | str, *args: str, lang: str = "en"):
    """`koptrack --lang LANG report ARGS` against `db`: through the real command line once the
    command is registered in COMMANDS, through the command's own Typer app until then."""
    runner = CliRunner()
    if "report" in COMMANDS:
        from koptrack.cli import app

        return runner.invoke(app, ["--db", str(db), "--lang", lang, "report", *args], catch_exceptions=False)
    old = STATE.db
    STATE.db = str(db)
    i18n.activate(lang)
    try:
        return runner.invoke(_report_app(), ["report", *args], catch_exceptions=False)
    finally:
        STATE.db = old
        i18n.activate("en")


@contextlib.contextmanager
def made_once(tmp_path_factory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder for what this file makes once: under pytest-xdist every worker running a test of
    this file would make the office and its documents again, so the workers share the run's
    base folder and the first to come makes them while the others wait for its lock (fcntl;
    where there is none, each worker makes its own). Yields the folder and whether it is yet to
    be made; what is made is kept only if the block succeeds."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None:
        base = base.parent  # the run's folder, shared by its workers
    folder = base / name
    lock = base / f"{name}.lock"
    with open(lock, "a") as held:
        if fcntl is not None:
            fcntl.flock(held, fcntl.LOCK_EX)
        try:
            done = folder / "done"
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
            yield folder, not done.exists()
            done.touch()
        finally:
            if fcntl is not None:
                fcntl.flock(held, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    """The seed's Karawang with the tiny tier's 30 cooperatives and 1,000 people, a cooperative
    named in markup (with one employee, not registered), and enrollments a BPJS list verified."""
    from koptrack.core import coops, people

    with made_once(tmp_path_factory, "report-office") as (folder, to_make):
        db = folder / "office.db"
        if to_make:
            generate.load_db("tiny", db, quiet=True)
            engine = store.open_engine(str(db))
            with store.session_scope(engine, write=True) as s:
                coop = coops.add_coop(s, HOSTILE, kind="ksp", kecamatan="Klari")
                people.add_worker(
                    s, coop["id"], nik=HOSTILE_NIK, name="Siti Aminah", role="karyawan", since="2020-01-06"
                )
            engine.dispose()
            conn = sqlite3.connect(db)  # as `bpjs reconcile --apply` marks what a participant list confirmed
            conn.execute(
                "UPDATE enrollment SET verified_on = '2021-11-30', verified_by = 'daftar-peserta-bpjs-2021-11.xlsx' "
                "WHERE id % 3 = 0"
            )
            conn.commit()
            conn.close()
    return db


@pytest.fixture(scope="module")
def identifiers(office) -> list[tuple[str, str]]:
    """Every NIK and KPJ of the office, each with its masked form."""
    from koptrack.domain.validate import mask_kpj, mask_nik

    conn = sqlite3.connect(office)
    niks = [n for (n,) in conn.execute("SELECT nik FROM person")]
    kpjs = [k for (k,) in conn.execute("SELECT kpj FROM enrollment WHERE kpj IS NOT NULL")]
    conn.close()
    assert HOSTILE_NIK in niks and len(niks) > 1000
    return [(n, mask_nik(n)) for n in niks] + [(k, str(mask_kpj(k))) for k in kpjs]


@pytest.fixture(scope="module")
def documents(office, tmp_path_factory) -> dict[str, dict]:
    """The 2021 report written by the command: HTML and PDF, in English and in Indonesian."""
    docs: dict[str, dict] = {}
    with made_once(tmp_path_factory, "report-documents") as (out, to_make):
        for lang in ("en", "id"):
            entry: dict = {}
            for suffix in ("html", "pdf"):
                path = out / f"laporan-2021-{lang}.{suffix}"
                if to_make:
                    result = run_report(office, "2021", "-o", str(path), lang=lang)
                    assert result.exit_code == 0, result.stderr
                    assert result.stdout == "" and str(path) in result.stderr
                entry[suffix] = path
            entry["html_text"] = entry["html"].read_text(encoding="utf-8")
            entry["pages"] = pdf_pages(entry["pdf"])
            docs[lang] = entry
    return docs


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, its runs of whitespace (no-break spaces too) made one space and
    the words broken at the end of a line made whole again."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(path).pages:
        text = page.extract_text() or ""
        text = re.sub(r"(\w)[\u2010\u00ad]\s*\n\s*(\w)", r"\1\2", text)  # hyphenated by the typesetter
        text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1-\2", text)  # a word with a hyphen of its own, broken after it
        pages.append(" ".join(text.split()))
    return pages


def _office_targets(office) -> list[dict]:
    from koptrack.core import targets

    engine = store.open_engine(str(office))
    try:
        with store.session_scope(engine) as s:
            return targets.report(s, 2021)
    finally:
        engine.dispose()


# --- the PDF: pages, page numbers and date, figures, language ------------------------------------


@OWN_OFFICE
def test_the_pdf_is_a4_with_page_numbers_and_the_as_of_date_on_every_page(documents):
    from pypdf import PdfReader

    for lang, page_word, of, day in (
        ("en", "Page", "of", "31 December 2021"),
        ("id", "Halaman", "dari", "31 Desember 2021"),
    ):
        reader = PdfReader(documents[lang]["pdf"])
        pages = documents[lang]["pages"]
        assert len(pages) >= 3, lang
        for number, text in enumerate(pages, 1):
            assert f"{page_word} {number} {of} {len(pages)}" in text, (lang, number)
            assert day in text, (lang, number)
        for page in reader.pages:  # A4: 595 x 842 points
            assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        assert reader.metadata is not None and str(reader.metadata.title).startswith(("Report 2021", "Laporan 2021"))


@OWN_OFFICE
def test_the_pdf_holds_the_targets_figures_and_every_section_in_english(documents, office):
    text = " ".join(documents["en"]["pages"])
    rows = _office_targets(office)
    assert len(rows) == 5
    ksp = next(r for r in rows if r["metric"] == "bpjs.registered_coops" and r["kind"] == "ksp")
    sentence = f"{ksp['actual']} of 98 KSP registered with BPJS Ketenagakerjaan ({ksp['percent']:.1f}%)"
    assert sentence in text
    assert f"the year ended {ksp['remaining']} short" in text
    for heading in (
        "Report 2021: BPJS Ketenagakerjaan and PKS-PKB",
        "Kabupaten Karawang, as of 31 December 2021",
        "Summary",
        "Targets 2021",
        "Through the year",
        "BPJS Ketenagakerjaan coverage by kecamatan",
        "Cooperatives not yet fully covered",
        "PKS-PKB members by year",
        "Where the figures come from",
        "Sources",
    ):
        assert heading in text, heading
    members = next(r for r in rows if r["metric"] == "pkspkb.members")
    assert f"{members['actual']} of 21 cooperatives in PKS-PKB" in text
    assert "Cooperatives in PKS-PKB: 11 of 11 is a reported count" in text  # provenance: no names
    assert "Verified against a BPJS Ketenagakerjaan participant list:" in text
    assert "daftar-peserta-bpjs-2021-11.xlsx" in text
    assert "Dinkop UKM Karawang targetkan 98 KSP" in text  # the seed's source
    assert "Klari" in text and "Jatisari" in text  # kecamatan in the chart
    assert "a BPJS Ketenagakerjaan registration" in text  # what a cooperative behind lacks


@OWN_OFFICE
def test_the_pdf_speaks_indonesian(documents, office):
    text = " ".join(documents["id"]["pages"])
    ksp = next(r for r in _office_targets(office) if r["metric"] == "bpjs.registered_coops" and r["kind"] == "ksp")
    pct = f"{ksp['percent']:.1f}".replace(".", ",")
    assert f"{ksp['actual']} dari 98 KSP terdaftar di BPJS Ketenagakerjaan ({pct} %)" in text
    for words in (
        "Laporan 2021: BPJS Ketenagakerjaan dan PKS-PKB",
        "Kabupaten Karawang, per 31 Desember 2021",
        "Ringkasan",
        "Target 2021",
        "Sepanjang tahun",
        "Cakupan BPJS Ketenagakerjaan per kecamatan",
        "Koperasi yang belum sepenuhnya tercakup",
        "Anggota PKS-PKB per tahun",
        "Asal angka-angka",
        "Sumber",
        "Realisasi",
        "tidak tercapai",
        "angka laporan",
    ):
        assert words in text, words
    for english in ("Summary", "Through the year", "registered with BPJS", "Page 1"):
        assert english not in text, english


@OWN_OFFICE
def test_no_nik_or_kpj_appears_in_full_or_masked(documents, identifiers):
    for lang, doc in documents.items():
        texts = [doc["html_text"], " ".join(doc["pages"])]
        for full, masked in identifiers:
            for text in texts:
                assert full not in text, lang
                assert masked not in text, lang


# --- the page: escaped, self-contained, looked at in a browser ------------------------------------


@OWN_OFFICE
def test_a_name_in_markup_is_shown_as_typed(documents):
    import markupsafe

    page = documents["en"]["html_text"]
    assert "&lt;script&gt;alert(" in page
    assert str(markupsafe.escape(HOSTILE)) in page  # quotes, & and the name's </style> as entities
    assert "<script" not in page.lower()  # neither the name's nor any of the page's own
    printed = "".join(" ".join(documents["en"]["pages"]).split())  # the PDF prints it as typed (wrapped)
    assert "".join(HOSTILE.split()) in printed


@OWN_OFFICE
def test_the_page_is_self_contained(documents):
    for doc in documents.values():
        page = doc["html_text"]
        assert not re.search(r"""\b(src|href)\s*=""", page, re.I)
        assert not re.search(r"url\(|@import|<link|<iframe|<object|<embed", page, re.I)
        assert page.count("<title") == 1 and "<desc" not in page  # no chart tooltips (raw numbers, `Pygal`)
        # the only addresses are the SVG and XLink namespaces' names
        assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {
            "http://www.w3.org/2000/svg",
            "http://www.w3.org/1999/xlink",
        }


def browser() -> str | None:
    if fcntl is None:  # the DevTools pipe is given to Chromium as fds 3 and 4 (POSIX)
        return None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """A headless Chromium driven through its DevTools protocol on a pipe (fds 3 and 4,
    `--remote-debugging-pipe`): JSON messages ended by a NUL byte."""

    def __init__(self, executable: str, profile: Path, timeout: float = 60):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def on_3_and_4() -> None:  # in the child: its ends of the pipes as fds 3 and 4
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--hide-scrollbars",  # the page gets the whole A4 width
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=on_3_and_4,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.out, self.inp = to_chrome_w, from_chrome_r
        self.buffer = b""
        self.last_id = 0
        self.events: list[dict] = []
        self.timeout = timeout

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.last_id += 1
        message: dict = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        wanted = self.last_id
        return self.wait(lambda m: m.get("id") == wanted)

    def wait(self, match) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\0" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("Chromium did not answer in time")
                if select.select([self.inp], [], [], left)[0]:
                    chunk = os.read(self.inp, 1 << 20)
                    if not chunk:
                        raise EOFError("Chromium closed its pipe")
                    self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            message = json.loads(raw)
            if match(message):
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", message.get("params", {}))
            if "method" in message:
                self.events.append(message)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.out)
        os.close(self.inp)


def problems_in_console(events: list[dict]) -> list[str]:
    """Errors and warnings the page gave: console calls, uncaught exceptions, and the browser's
    own log (a resource that failed to load, a blocked request)."""
    found = []
    for e in events:
        p = e.get("params", {})
        if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            found.append(f"console.{p['type']}: {p.get('args')}")
        elif e["method"] == "Runtime.exceptionThrown":
            found.append(f"exception: {p.get('exceptionDetails')}")
        elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            found.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
    return found


@OWN_OFFICE
def test_the_page_in_a_real_browser_fits_a4_without_console_errors(documents, tmp_path):
    exe = browser()
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium found: .ci/run installs Debian's chromium; the browser check must run in CI")
        pytest.skip("no Chromium (or Chrome) found on PATH: apt-get install chromium to run the browser check")
    chrome = Chromium(exe, tmp_path / "profile")
    seen: dict[str, dict] = {}
    try:
        for lang, doc in documents.items():
            target = chrome.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = chrome.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                chrome.send(f"{domain}.enable", session=session)
            chrome.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": A4_WIDTH, "height": 1123, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            chrome.events.clear()
            chrome.send("Page.navigate", {"url": doc["html"].as_uri()}, session=session)
            chrome.wait(lambda m: m.get("method") == "Page.loadEventFired")
            measure = chrome.send(
                "Runtime.evaluate",
                {
                    "expression": "[document.documentElement.scrollWidth, document.documentElement.clientWidth,"
                    " document.querySelectorAll('svg').length, document.body.innerText.length]",
                    "returnByValue": True,
                },
                session=session,
            )["result"]["value"]
            shot = chrome.send(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session
            )
            printed = chrome.send(
                "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}, session=session
            )
            seen[lang] = {"measure": measure, "shot": shot, "printed": printed, "console": list(chrome.events)}
            chrome.send("Target.closeTarget", {"targetId": target})
    finally:
        chrome.close()
    for lang, got in seen.items():
        scroll_width, client_width, charts, text_length = got["measure"]
        assert client_width == A4_WIDTH, lang
        assert scroll_width <= client_width, f"{lang}: the page is {scroll_width} px wide at A4's {client_width}"
        assert charts >= 7 and text_length > 2000, (lang, charts, text_length)
        assert problems_in_console(got["console"]) == [], lang
        png = base64.b64decode(got["shot"]["data"])
        assert png.startswith(b"\x89PNG") and len(png) > 50_000, lang
        (tmp_path / f"report-{lang}.png").write_bytes(png)
        # the browser's own print of the page has the page numbers too (CSS @page margin boxes)
        pages = pdf_pages(_saved(tmp_path / f"browser-{lang}.pdf", base64.b64decode(got["printed"]["data"])))
        word, of = ("Page", "of") if lang == "en" else ("Halaman", "dari")
        assert len(pages) >= 3 and f"{word} 1 {of} {len(pages)}" in pages[0], (lang, pages[0][-80:])
    assert sorted(seen) == ["en", "id"]


def _saved(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- the command: its refusals, and the figures on either database --------------------------------


@OWN_OFFICE
def test_a_name_that_is_not_pdf_or_html_and_an_existing_file_are_refused(office, tmp_path):
    from conftest import refused

    result = run_report(office, "2021", "-o", str(tmp_path / "laporan.docx"))
    assert ".pdf or .html" in refused(result)
    existing = tmp_path / "laporan.html"
    existing.write_text("keep me")
    result = run_report(office, "2021", "-o", str(existing))
    refused(result)
    assert existing.read_text() == "keep me"
    assert run_report(office, "2021", "-o", str(existing), "--force").exit_code == 0
    assert existing.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["laporan.html"]  # nothing else left behind


@OWN_OFFICE
def test_a_missing_extra_is_one_line_with_the_pip_command(office, tmp_path, monkeypatch):
    import importlib.util

    from conftest import refused

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "weasyprint" else real(name, *a))
    message = refused(run_report(office, "2021", "-o", str(tmp_path / "laporan.pdf")))
    assert "WeasyPrint" in message and "pip install 'koptrack[report]'" in message
    assert not (tmp_path / "laporan.pdf").exists()


def test_the_figures_are_the_targets_and_coverage_reports_own(seeded, monkeypatch):
    """On the test's database (SQLite, and PostgreSQL in its pass): the seed, a cooperative named
    in markup, and the document's figures against `targets` and `bpjs status --by kecamatan`."""
    from koptrack.core import coops, coverage, targets
    from koptrack.report_doc import figures, render

    with store.session_scope(seeded, write=True) as s:
        coops.add_coop(s, HOSTILE, kind="ksp", kecamatan="Klari")
    with store.session_scope(seeded) as s:
        doc = figures.document(s, 2021, None, "32.15")
        rows = targets.report(s, 2021, None, "32.15")
        by_kec = coverage.bpjs_status_by_kecamatan(
            s, coverage.CoverageFilter(as_of=dt.date(2021, 12, 31), regency="32.15")
        )
    assert doc.place == "Kabupaten Karawang" and doc.as_of == dt.date(2021, 12, 31)
    assert [(f.row["metric"], f.row["actual"], f.row["target"]) for f in doc.targets] == [
        (r["metric"], r["actual"], r["target"]) for r in rows
    ]
    for f in doc.targets:  # a trend for every target: every month's end, the last on the as-of date
        assert [d.month for d, _ in f.trend] == list(range(1, 13)), f.measure
        assert f.trend[-1] == (dt.date(2021, 12, 31), f.row["actual"])
    assert sorted((r["name"], r["enrolled"], r["in_scope"]) for r in doc.coverage) == sorted(
        (r["kecamatan"], r["enrolled"], r["in_scope"]) for r in by_kec
    )
    assert HOSTILE in [r["name"] for r in doc.behind]  # a KSP, not registered
    assert [y["year"] for y in doc.pkspkb_years] == [2020, 2021] and doc.pkspkb_years[-1]["members"] == 11
    page = render.html(doc)
    assert "&lt;script&gt;alert(" in page and "<script" not in page.lower()
    assert "11 of 21 cooperatives in PKS-PKB" in page
    # mid-year, and a province's database (many kecamatan): coverage by regency instead
    monkeypatch.setattr(figures, "KECAMATAN_CHART_LIMIT", 0)
    with store.session_scope(seeded) as s:
        mid = figures.document(s, 2021, "2021-06-30", None)
    assert mid.coverage_by == "regency" and [r["name"] for r in mid.coverage] == ["Kabupaten Karawang"]
    assert [d for d, _ in mid.targets[0].trend][-1] == dt.date(2021, 6, 30) and len(mid.targets[0].trend) == 6
    assert "1 of 98 KSP registered with BPJS Ketenagakerjaan (1.0%); 97 still to go; at this year's pace" in mid.summary


def test_the_footer_is_css_text_whatever_the_place_is_called():
    """The footer's words go into the page's CSS as strings: a regency named with quotes or
    `</style>` can neither end the string nor the style element."""
    from koptrack.report_doc import render

    assert render.css_string('a"b\\c</style>') == '"a\\000022 b\\00005c c\\00003c \\00002f style\\00003e "'
    assert render.page_counter("Page {page} of {pages}") == '"Page " counter(page) " of " counter(pages)'
    assert render.page_counter("{page}/{pages}") == 'counter(page) "\\00002f " counter(pages)'
