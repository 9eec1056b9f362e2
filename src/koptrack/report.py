"""What a report is, independent of where it goes: columns (`Col`), titled lists of rows
(`Section`), one record shown as field and value (`Record`), and a command's whole result
(`View`, with the sheets of its workbook). The core builds them (core/views.py); the terminal
(io/terminal.py) and the file writers (io/writers.py) render them. Nothing here imports Rich,
SQLAlchemy or Typer: the CLI loads this module for `--help`.
"""

from __future__ import annotations

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
    return "" if value is None else f"{value:.1f}%"


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent, one decimal; None when there is no whole."""
    return None if not whole else round(100.0 * part / whole, 1)


_MASKERS: tuple[tuple[str, Callable[[str], str | None]], ...] | None = None


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
