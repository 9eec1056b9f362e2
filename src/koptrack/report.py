"""What a report is, independent of where it goes: columns (`Col`), titled lists of rows
(`Section`), one record shown as field and value (`Record`), and a command's whole result
(`View`, with the sheets of its workbook). The core builds them (core/views.py); the terminal
(io/terminal.py) and the file writers (io/writers.py) render them. Nothing here imports Rich,
SQLAlchemy or Typer: the CLI loads this module for `--help`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Tone = Literal["good", "warn", "bad", "muted"]


@dataclass(frozen=True)
class Col:
    """One column: the row's key, its header, and how its values read."""

    key: str
    header: str
    justify: Literal["left", "right"] = "left"
    fmt: Callable[[Any], str] | None = None  # text of a value (a percentage, an abbreviation)
    no_wrap: bool = False
    tone: Callable[[Any], Tone | None] | None = None  # good / warn / bad / muted, from the value
    bar: bool = False  # a percentage drawn as a progress bar: on a terminal only, not a data field
    # At a narrow terminal (80 columns) the columns with the highest `drop` are hidden first, and
    # a dim line says which and how to see them (--wide, --json); 0: always shown.
    drop: int = 0
    # A long text (a cooperative's or a person's name, a message) wraps onto more lines; every
    # other column is shown whole on one line, never cut with `…`.
    wrap: bool = False


@dataclass
class Section:
    """A titled list of rows: a table on the terminal, a sheet in a workbook."""

    title: str
    columns: list[Col]
    rows: Iterable[dict]
    totals: dict | None = None  # the footer row of a terminal table
    empty: str = "nothing to show"


@dataclass
class Record:
    """One object shown as a two-column table of field and value."""

    title: str | None
    fields: dict[str, Any]


@dataclass
class View:
    """Everything one command shows: its parts in order, the warnings and notes that go with
    them, and the document `--json` prints (default: the first section's rows)."""

    parts: list[Section | Record]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    json: dict[str, Any] | None = None
    workbook: list[Section] = field(default_factory=list)  # the sheets of `--xlsx`, when asked for

    @property
    def sections(self) -> list[Section]:
        return [p for p in self.parts if isinstance(p, Section)]


def pct(value: float | None) -> str:
    """A percentage for people: `52.4%` in English, `52,4 %` in Bahasa Indonesia."""
    from koptrack.i18n import percent as localized

    return localized(value)


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent, one decimal; None when there is no whole."""
    return None if not whole else round(100.0 * part / whole, 1)


_MASKERS: tuple[tuple[str, Callable[[str], str | None]], ...] | None = None

# Anything that looks like a personal number: 11 or more digits in a row (a KPJ has 11, a NIK 16,
# a NIK that Excel rounded 15), also written in groups with spaces, dots or dashes as the office
# writes NIKs (`3215 0552 0390 0001`, `3215.05.520390.0001`). Two dates or a time of day never
# make 11 digits with single separators (`2021-03-16 14:05` has 10).
_ID_LIKE = re.compile(r"\d(?:[ .\-\u00a0\u2009\u202f]?\d){10,}")
# A quick test before the pattern (the pattern reads 30 MB/s, this 1 GB/s): in ASCII text, a
# match needs 11 characters in a row that are digits or separators.
_DIGITISH = str.maketrans(dict.fromkeys("0123456789 .-\u00a0\u2009\u202f", "0"))
_ELEVEN = "0" * 11
# Numbers that are an organisation's, not a person's, and are shown as they are: the NIK
# koperasi (the ministry's number of a cooperative), under its key in a row and after its label
# in a message (`nik-koperasi '3215030000000042' already belongs to cooperative 7`).
NOT_PERSONAL = frozenset({"nik_koperasi"})
_LABELS = ("nik-koperasi '", "nik_koperasi '")


def _mask_digits(m: re.Match[str]) -> str:
    text = m.string
    start = m.start()
    if text[max(0, start - 14) : start].lower() in _LABELS:
        return m.group()
    digits = "".join(ch for ch in m.group() if ch.isdigit())
    if len(digits) >= 12:
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
    return digits[:2] + "*" * (len(digits) - 5) + digits[-3:]


def scrub(text: str) -> str:
    """The text with every NIK- or KPJ-like number in it masked (UU 27/2022): a NIK typed where
    a cooperative, a date or a name was expected, a mistyped KPJ, a file without its header row.
    `3215055203900001` -> `321505******0001`, `12345678901` -> `12******901`."""
    if not has_id_like(text):
        return text
    return _ID_LIKE.sub(_mask_digits, text)


def has_id_like(text: str) -> bool:
    """Whether `text` holds a number that `scrub` would mask (or keep, as an organisation's)."""
    if len(text) < 11:
        return False
    if text.isascii() and _ELEVEN not in text.translate(_DIGITISH):
        return False
    return _ID_LIKE.search(text) is not None


def shown(value: Any, reveal: bool = False) -> Any:
    """What a terminal may show of a value: a row (dict) with NIK and KPJ masked and every text
    in it scrubbed, inside lists and nested rows too; the NIK koperasi kept. Everything as it is
    with `reveal` (--show-nik)."""
    if reveal:
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        value = masked(value, False)
        return {k: (v if k in NOT_PERSONAL else shown(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown(v) for v in value]
    return value


def masked(row: dict, reveal: bool) -> dict:
    """The row with NIK and KPJ masked (UU 27/2022), unless `reveal`; unchanged rows are not copied."""
    global _MASKERS
    if reveal:
        return row
    if _MASKERS is None:
        from koptrack.domain.validate import mask_kpj, mask_nik

        _MASKERS = (("nik", mask_nik), ("kpj", mask_kpj))
    if not any(row.get(key) for key, _ in _MASKERS):
        return row  # nothing personal in it: no copy
    out = dict(row)
    for key, fn in _MASKERS:
        if out.get(key):
            out[key] = fn(out[key])
    return out
