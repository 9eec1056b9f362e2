"""What an import reports: its counts (`ImportResult`), the bad rows (`RowError`), the refusal
of an all-or-nothing import (`ImportRejected`), and the sink every check reports a bad row to
(`ErrorSink`: the first errors kept for display, every bad row written to the --errors CSV with
every reason it was refused for). Reasons and warnings are in the language in force; the
refused-rows file names each column as a person reads it (`field_label`), and its own last
column (`error`, `kesalahan`) is recognised in either language when the file comes back."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from koptrack import i18n
from koptrack.core.imports.columns import field_label
from koptrack.domain import validate
from koptrack.errors import KoptrackError
from koptrack.i18n import _, pgettext
from koptrack.io.readers import norm_header
from koptrack.io.writers import neutralise, open_private
from koptrack.report import scrub

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
    ended: int = 0  # recorded open periods that the file ended (a departure date)
    updated: int = 0  # records the file changed (a target's value)
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    # what the import says on stderr without refusing a row (a name mixing scripts), with its line
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "ended": self.ended,
            "updated": self.updated,
            "invalid": self.invalid,
            "errors": [e.__dict__ for e in self.errors],
            "warnings": self.warnings,
        }


class ImportRejected(KoptrackError):
    """The file had bad rows and nothing was written; `.result` holds them."""

    def __init__(self, result: ImportResult):
        self.result = result
        super().__init__(
            _("{file}: {invalid} of {rows} rows are invalid; nothing was imported").format(
                file=result.file, invalid=i18n.number(result.invalid), rows=i18n.number(result.rows)
            ),
            hint=_(
                "fix them (write them out with --errors FILE, correct, import that file) or keep the good "
                "rows with --skip-invalid"
            ),
        )


ERROR_COLUMN = "error"


def error_column() -> str:
    """The header of the refused-rows file's reasons column, in the language in force."""
    # Translators: the last column of the refused-rows file (--errors), holding the reasons
    return pgettext("refused-rows column", "error")


def is_error_column(header: object) -> bool:
    """Whether a header is the reasons column of a refused-rows file, in any language."""
    name = norm_header(header)
    if name in (ERROR_COLUMN, norm_header(error_column())):
        return True
    for lang in i18n.LANGUAGES:
        try:
            catalog = i18n.translations(lang)
        except OSError:  # no compiled catalog for it
            continue
        if name == norm_header(catalog.pgettext("refused-rows column", ERROR_COLUMN)):
            return True
    return False


_NIK_LIKE = re.compile(r"\d{11,}")


class ErrorSink:
    """Keeps the first errors for display and writes every bad row to the --errors CSV: the
    row as it was read, and an `error` column with every reason, `column: reason | column: reason`
    (a cell a spreadsheet would run as a formula neutralised, as in an export: the import takes
    the apostrophe off again).
    The CSV has the input's delimiter (`;` in, `;` out: Excel with Indonesian settings), and an
    input that is itself a refused-rows file (corrected, imported again) has its old `error`
    column replaced. The file is never the input, and never an existing file unless `force`."""

    def __init__(
        self,
        result: ImportResult,
        headers: list[str],
        path: Path | None,
        *,
        delimiter: str = ",",
        force: bool = False,
        protect: Sequence[Path] = (),
    ):
        self.result = result
        self.file: IO[str] | None = None
        self.writer: Writer | None = None
        # an `error` column of the input (a refused-rows file corrected) is not copied
        self.width = len(headers) - 1 if headers and is_error_column(headers[-1]) else None
        if path is not None:
            self.file = open_private(path, newline="", encoding="utf-8-sig", force=force, protect=tuple(protect))
            self.writer = csv.writer(self.file, delimiter=delimiter)
            self.writer.writerow([*(neutralise(h) for h in headers[: self.width]), error_column()])
        self._lines: set[int] = set()
        # the reasons of the row being reported (a row's reasons come one after another)
        self._line: int | None = None
        self._raw: list[str] | None = None
        self._reasons: list[str] = []

    def add(self, line: int, column: str, value: object, reason: str, raw: list[str] | None) -> None:
        if value is None:
            shown = ""
        elif column == "nik":
            shown = validate.mask_nik(str(value)) if value else ""
        elif column == "kpj":
            shown = validate.mask_kpj(str(value)) or ""
        else:  # a NIK or KPJ in the wrong column (role, date, name) is masked too
            shown = scrub(str(value))
        if len(self.result.errors) < MAX_SHOWN_ERRORS:
            self.result.errors.append(RowError(line, column, shown[:80], reason))
        if line != self._line:
            self._flush()
            self._line, self._raw = line, raw
        self._reasons.append(f"{field_label(column)}: {reason}")
        if line not in self._lines:
            self._lines.add(line)
            self.result.invalid += 1

    def warn(self, line: int, message: str) -> None:
        """A warning about a row that is kept (the first MAX_SHOWN_ERRORS of them)."""
        if len(self.result.warnings) < MAX_SHOWN_ERRORS:
            self.result.warnings.append(
                _("line {line}: {message}").format(
                    line=line, message=_NIK_LIKE.sub(lambda m: validate.mask_nik(m.group()), message)
                )
            )

    def _flush(self) -> None:
        if self.writer is not None and self._raw is not None and self._reasons:
            row = ["" if v is None else neutralise(v) for v in self._raw[: self.width]]
            self.writer.writerow([*row, neutralise(" | ".join(self._reasons))])
        self._line, self._raw, self._reasons = None, None, []

    def close(self) -> None:
        self._flush()
        if self.file is not None:
            self.file.close()
