"""What an import reports: its counts (`ImportResult`), the bad rows (`RowError`), the refusal
of an all-or-nothing import (`ImportRejected`), and the sink every check reports a bad row to
(`ErrorSink`: the first errors kept for display, every bad row written to the --errors CSV)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from koptrack.domain import validate
from koptrack.errors import KoptrackError
from koptrack.io.writers import open_private

if TYPE_CHECKING:
    from _csv import Writer

MAX_SHOWN_ERRORS = 1000


@dataclass
class RowError:
    line: int
    column: str
    value: str
    reason: str


@dataclass
class ImportResult:
    kind: str
    file: str
    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "errors": [e.__dict__ for e in self.errors],
        }


class ImportRejected(KoptrackError):
    """The file had bad rows and nothing was written; `.result` holds them."""

    def __init__(self, result: ImportResult):
        self.result = result
        super().__init__(
            f"{result.file}: {result.invalid} of {result.rows} rows are invalid; nothing was imported",
            hint="fix them (write them out with --errors FILE, correct, import that file) or keep the good "
            "rows with --skip-invalid",
        )


class ErrorSink:
    """Keeps the first errors for display and writes every bad row to the --errors CSV."""

    def __init__(self, result: ImportResult, headers: list[str], path: Path | None):
        self.result = result
        self.file: IO[str] | None = None
        self.writer: Writer | None = None
        if path is not None:
            self.file = open_private(path, newline="", encoding="utf-8-sig")
            self.writer = csv.writer(self.file)
            self.writer.writerow([*headers, "error"])
        self._lines: set[int] = set()

    def add(self, line: int, column: str, value: object, reason: str, raw: list[str] | None) -> None:
        shown = validate.mask_nik(str(value)) if column == "nik" and value else ("" if value is None else str(value))
        if len(self.result.errors) < MAX_SHOWN_ERRORS:
            self.result.errors.append(RowError(line, column, shown[:80], reason))
        if line not in self._lines:
            self._lines.add(line)
            self.result.invalid += 1
            if self.writer is not None and raw is not None:
                self.writer.writerow([*("" if v is None else v for v in raw), f"{column}: {reason}"])

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
