"""Every file koptrack writes: created private to the user (0600), written whole or not at all
(a temporary file in the same folder renamed into place), never over an existing file without
force, never through a link, over a device or folder, or over the file being read; personal
identifiers masked unless asked, and spreadsheet formulas neutralised (a cell beginning with
= + - @ is text, not code). `staged` and `open_private` below are the one way to write a file.

A report is a list of sections (a title, columns, rows); CSV takes the first section, JSON and
xlsx take them all (xlsx: one sheet per section, bold frozen header, widths fitted to the data,
percentages as percentages; a section longer than Excel's 1,048,576 rows goes on over more
sheets, `People (2)`, ...). Rows are streamed: an export of a million people does not hold
them in memory. A CSV of rows that come in batches of plain tuples (core/exports.Rows) is
written column by column, near the speed of the `sqlite3` shell; an xlsx is written by
XlsxWriter in constant_memory mode when it is installed, else by openpyxl's write-only mode.

Files are written in the language in force: an xlsx's sheet names and headers (and its dates
shown 16/03/2021 in Indonesian), a CSV's header row (in English the columns' keys, `nik`,
`coop_name`, as always; in Indonesian their headers, `NIK`, `Nama koperasi`). The values stay
as stored (dates as dates, ISO in a CSV; kinds, roles), and JSON is the same in every language:
koptrack's import reads its own files back in either language.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import itertools
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol, cast

from koptrack import i18n
from koptrack.errors import KoptrackError
from koptrack.i18n import _
from koptrack.report import Col, Section, masked, pct

FORMATS = ("csv", "json", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WIDTH_SAMPLE = 500  # rows looked at to fit column widths
MAX_WIDTH = 60


def _json_default(value: Any):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


_ENCODE = None
_ENCODE_ASCII = None


def dumps(value: Any, *, ascii_only: bool = False) -> str:
    """JSON text; `ascii_only`: every other character as a `\\u` escape (for a stream that is not UTF-8)."""
    # One encoder for the whole run: json.dumps with options builds a new one on every call,
    # a third of the time of a 130,000-row `coop list --json`.
    global _ENCODE, _ENCODE_ASCII
    if ascii_only:
        if _ENCODE_ASCII is None:
            _ENCODE_ASCII = json.JSONEncoder(default=_json_default, ensure_ascii=True).encode
        return _ENCODE_ASCII(value)
    if _ENCODE is None:
        _ENCODE = json.JSONEncoder(default=_json_default, ensure_ascii=False).encode
    return _ENCODE(value)


_BLANKS = " \t\r\n\u00a0"
# the first characters of a cell that `neutralise` may change (a quick test before the call)
RISKY_FIRST = frozenset(FORMULA_STARTS) | frozenset(_BLANKS)


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe: a cell beginning
    with = + - @ (or a tab or carriage return). Blanks before = + - @ do not hide a formula from
    every spreadsheet: they are dropped and the apostrophe put in their place (koptrack's import
    strips them anyway, and takes the apostrophe off again: the value comes back as it went out)."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_STARTS[:4]):
        return "'" + value
    if value[0] in _BLANKS:
        rest = value.lstrip(_BLANKS)
        if rest.startswith(FORMULA_STARTS[:4]):
            return "'" + rest
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def format_of(path: str | Path, given: str | None) -> str:
    if given:
        fmt = given.strip().lower()
        if fmt not in FORMATS:
            raise KoptrackError(_("format {format}: choose csv, json or xlsx").format(format=repr(given)))
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise KoptrackError(
        _("output {path}: cannot tell the format from the name").format(path=_q(path)),
        hint=_("end the name with .csv, .json or .xlsx, or give --format"),
    )


def _data_columns(columns: list[Col]) -> list[Col]:
    return [c for c in columns if not c.bar]


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return value


# ---------------------------------------------------------------------------------------------
# The one way a file is written. Every file koptrack writes (exports, workbooks, the refused-rows
# file, database backups and restores) goes through `staged` or `open_private`:
# - an existing file is replaced only with force ("add --force to replace it");
# - never a symbolic link, a folder, a device, a pipe or a socket, even with force;
# - never a file being read (`protect`: the input, the database), compared by identity;
# - the data goes to a private (0600) temporary file in the target's folder, named
#   `.koptrack-tmp-<pid>-...`, renamed over the target only once complete;
# - on any failure the temporary file is removed, and the next write in the same folder removes
#   what a killed run (SIGKILL, power cut) left behind: the pid in the name is no longer alive.

TMP_PREFIX = ".koptrack-tmp-"
KILL_HOOK = "KOPTRACK_TEST_SIGKILL_AT"
WRITE_MODES = ("w", "wt", "wb")
SIDE_FILES = ("-journal", "-wal", "-shm")  # SQLite's files beside a temporary database


def kill_point(name: str) -> None:
    """SIGKILL this process at a named point when KOPTRACK_TEST_SIGKILL_AT says so: how the tests
    prove that a killed write leaves nothing behind. Does nothing otherwise."""
    if os.environ.get(KILL_HOOK) == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _q(path: str | Path) -> str:
    return repr(str(path))


def _same_file(a: Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they lead
        return a.resolve() == Path(b).expanduser().resolve()


def check_target(path: str | Path, *, force: bool = False, protect: Iterable[str | Path] = ()) -> Path:
    """The path, if koptrack may write a file there; else a KoptrackError saying why not."""
    target = Path(path).expanduser()
    try:
        st: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise KoptrackError(_("cannot write {path}: {problem}").format(path=_q(target), problem=exc.strerror)) from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise KoptrackError(
                _("{path} is a symbolic link; koptrack never writes through one").format(path=_q(target)),
                hint=_("give the path of the file itself, or another name"),
            )
        if stat.S_ISDIR(st.st_mode):
            raise KoptrackError(_("{path} is a folder; give a file name").format(path=_q(target)))
        if not stat.S_ISREG(st.st_mode):
            raise KoptrackError(
                _("{path} is not a regular file (a device, a pipe or a socket); koptrack never replaces one").format(
                    path=_q(target)
                )
            )
    for other in protect:
        if _same_file(target, other):
            raise KoptrackError(
                _("{path} is the file being read; koptrack never writes over it").format(path=_q(target)),
                hint=_("choose another name for the file to write"),
            )
    if st is not None and not force:
        raise _exists(target)
    folder = target.parent
    if not folder.is_dir():
        raise KoptrackError(
            _("cannot write {path}: folder {folder} does not exist").format(path=_q(target), folder=_q(folder))
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise KoptrackError(
            _("cannot write {path}: no permission to write in folder {folder}").format(
                path=_q(target), folder=_q(folder)
            )
        )
    return target


def _exists(target: Path) -> KoptrackError:
    return KoptrackError(_("{path} already exists").format(path=_q(target)), hint=_("add --force to replace it"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def _remove(path: Path) -> None:
    """A temporary file (and SQLite's files beside it) or a temporary folder, gone."""
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    for side in SIDE_FILES:
        with contextlib.suppress(OSError):
            path.with_name(path.name + side).unlink(missing_ok=True)


# The temporary files of koptrack before this writer, which carry no pid: a backup's full copy
# (`.koptrack-backup-XXXXXXXX.db`) and an export's (`.koptrack-XXXXXXXX.csv`). Removed once they
# are an hour old: no backup or export of that version ran for an hour.
OLD_TEMPS = re.compile(r"\.koptrack-(backup-)?[a-z0-9_]{8}\.(db|csv|json|xlsx)(-journal|-wal|-shm)?")
OLD_TEMP_AGE_S = 3600


def _leftover(entry: os.DirEntry) -> bool:
    """A file a killed koptrack left in the folder (this user's; its process gone)."""
    st = entry.stat(follow_symlinks=False)
    if st.st_uid != os.getuid():
        return False
    if entry.name.startswith(TMP_PREFIX):
        pid = entry.name[len(TMP_PREFIX) :].split("-", 1)[0]
        return pid.isdigit() and not _alive(int(pid))
    if OLD_TEMPS.fullmatch(entry.name):
        return stat.S_ISREG(st.st_mode) and time.time() - st.st_mtime > OLD_TEMP_AGE_S
    return False


def clean_leftovers(folder: str | Path) -> list[str]:
    """Remove what killed koptrack runs left in `folder`: `.koptrack-tmp-<pid>-...` files and
    folders of this user whose process is gone (and an older koptrack's temporary copies).
    Returns their names."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        try:
            if not _leftover(entry):
                continue
        except OSError:
            continue
        _remove(Path(entry.path))
        removed.append(entry.name)
    return removed


def _temp_file(folder: Path, suffix: str) -> tuple[int, Path]:
    try:
        fd, name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix=suffix, dir=folder)
    except OSError as exc:
        raise KoptrackError(
            _("cannot write in folder {folder}: {problem}").format(folder=_q(folder), problem=exc.strerror)
        ) from None
    os.fchmod(fd, 0o600)  # mkstemp makes it 0600 already; say so whatever the platform
    return fd, Path(name)


def _commit(tmp: Path, target: Path, *, force: bool, protect: Iterable[str | Path]) -> None:
    """Rename the complete temporary file over the target, checked again just before."""
    kill_point("before-rename")
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)  # the data is on disk before the name points to it
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    check_target(target, force=force, protect=protect)  # nothing changed meanwhile
    if not force:
        # create-or-fail in one step: a file that appeared since the check is not replaced
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise _exists(target) from None
        except OSError:  # a file system without hard links (FAT on a USB stick)
            os.replace(tmp, target)
            return
        tmp.unlink()
        return
    os.replace(tmp, target)


def _failed(exc: OSError, target: Path) -> KoptrackError:
    return KoptrackError(_("cannot write {path}: {problem}").format(path=_q(target), problem=exc.strerror or exc))


@contextlib.contextmanager
def staged(
    path: str | Path, *, force: bool = False, protect: Iterable[str | Path] = (), suffix: str | None = None
) -> Iterator[Path]:
    """A private temporary file in the folder of `path`, for the block to fill; renamed over `path`
    when the block succeeds, removed on any failure (the rules above)."""
    protect = tuple(protect)
    target = check_target(path, force=force, protect=protect)
    clean_leftovers(target.parent)
    fd, tmp = _temp_file(target.parent, target.suffix if suffix is None else suffix)
    os.close(fd)
    try:
        yield tmp
        _commit(tmp, target, force=force, protect=protect)
    except OSError as exc:
        _remove(tmp)
        raise _failed(exc, target) from None
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def private_tempdir(folder: str | Path) -> Iterator[Path]:
    """A private (0700) folder for a library's own temporary files (openpyxl's sheets, which hold
    the whole data), inside `folder` and named as ours, so a killed run's is cleaned up; Python's
    `tempfile` points there meanwhile."""
    made = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=folder))
    before = tempfile.tempdir
    tempfile.tempdir = str(made)
    try:
        yield made
    finally:
        tempfile.tempdir = before
        _remove(made)


class PrivateFile(IO[Any]):
    """A file being written through a private temporary file: `close()` (or the end of a `with`
    block) renames it into place; `discard()` (or an exception in the `with` block, or being
    dropped unclosed) removes it and leaves the target as it was."""

    def __init__(self, path: str | Path, mode: str, force: bool, protect: Iterable[str | Path], kwargs: Any):
        if mode not in WRITE_MODES:
            raise ValueError(f"open_private writes whole files: mode {mode!r}")
        self._protect = tuple(protect)
        self._force = force
        self._target = check_target(path, force=force, protect=self._protect)
        clean_leftovers(self._target.parent)
        fd, self._tmp = _temp_file(self._target.parent, self._target.suffix)
        self._done = False
        try:
            self._file: IO[Any] = os.fdopen(fd, mode, **kwargs)
        except BaseException:
            os.close(fd)
            _remove(self._tmp)
            raise

    @property
    def mode(self) -> str:
        return self._file.mode

    @property
    def name(self) -> str:
        return str(self._target)

    @property
    def closed(self) -> bool:
        return self._done

    def close(self) -> None:
        """Finish the file and rename it into place."""
        if self._done:
            return
        self._done = True
        try:
            self._file.close()
            _commit(self._tmp, self._target, force=self._force, protect=self._protect)
        except OSError as exc:
            _remove(self._tmp)
            raise _failed(exc, self._target) from None
        except BaseException:
            _remove(self._tmp)
            raise

    def discard(self) -> None:
        """Drop what was written: the target stays as it was."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            self._file.close()
        _remove(self._tmp)

    def __del__(self) -> None:
        if not getattr(self, "_done", True):
            self.discard()

    def __enter__(self) -> PrivateFile:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()

    def _failed(self, exc: OSError) -> KoptrackError:
        self.discard()  # a full disk, a removed folder: nothing half-written stays behind
        return _failed(exc, self._target)

    def write(self, s: Any) -> int:
        try:
            return self._file.write(s)
        except OSError as exc:
            raise self._failed(exc) from None

    def writelines(self, lines: Iterable[Any]) -> None:
        try:
            self._file.writelines(lines)
        except OSError as exc:
            raise self._failed(exc) from None

    def flush(self) -> None:
        try:
            self._file.flush()
        except OSError as exc:
            raise self._failed(exc) from None

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._file.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def truncate(self, size: int | None = None) -> int:
        return self._file.truncate(size)

    def read(self, n: int = -1) -> Any:
        raise OSError("a file opened by open_private is written, not read")

    def readline(self, limit: int = -1) -> Any:
        raise OSError("a file opened by open_private is written, not read")

    def readlines(self, hint: int = -1) -> list[Any]:
        raise OSError("a file opened by open_private is written, not read")

    def __iter__(self) -> Iterator[Any]:
        raise OSError("a file opened by open_private is written, not read")

    def __next__(self) -> Any:
        raise OSError("a file opened by open_private is written, not read")


def open_private(
    path: str | Path, mode: str = "w", *, force: bool = False, protect: Iterable[str | Path] = (), **kwargs: Any
) -> PrivateFile:
    """A file to write at `path` (keyword arguments as for `open`), under the rules above: its
    `close()` puts it in place; `discard()`, an exception in its `with` block, or dropping it
    unclosed leaves the target as it was. `protect`: files it must not be (the input)."""
    return PrivateFile(path, mode, force, protect, kwargs)


# the character or its name, in English or Indonesian (koma, titik koma)
DELIMITERS = {
    ",": ",",
    "comma": ",",
    "koma": ",",
    ";": ";",
    "semicolon": ";",
    "titik koma": ";",
    "titikkoma": ";",
    "titik-koma": ";",
    "tab": "\t",
    "\t": "\t",
    "\\t": "\t",
}


def delimiter_of(given: str | None) -> str:
    """The CSV delimiter named by --delimiter: `,` (default), `;` (Excel with Indonesian regional
    settings), tab; as the character or its name (comma or koma, semicolon or titik koma)."""
    if given is None:
        return ","
    found = DELIMITERS.get(given.strip().lower() if given.strip() else given)
    if found is None:
        raise KoptrackError(
            _("--delimiter {delimiter}: not a CSV delimiter koptrack writes").format(delimiter=repr(given)),
            hint=_("choose comma (,), semicolon (;) or tab"),
        )
    return found


def write(
    path: str | Path,
    sections: list[Section],
    fmt: str,
    *,
    reveal: bool = False,
    force: bool = False,
    protect: Iterable[str | Path] = (),
    delimiter: str = ",",
    on_written: Callable[[dict], None] | None = None,
) -> dict:
    """Write the sections to `path` in `fmt` (under the rules above); returns {section title (in
    the language in force, as the sheet is named): rows written}. `on_written(counts)` runs once
    the file is complete and before it takes its name: if it fails, no file is left (how a
    --show-nik export is recorded before anyone can read it)."""
    with staged(path, force=force, protect=protect) as tmp:
        if fmt == "csv":
            counts = {_(sections[0].title): _write_csv(tmp, sections[0], reveal, delimiter)}
        elif fmt == "json":
            counts = _write_json(tmp, sections, reveal)
        else:
            with private_tempdir(tmp.parent):
                counts = _write_xlsx(tmp, sections, reveal)
        if on_written is not None:
            on_written(counts)
    return counts


class Batched(Protocol):
    """Rows that also come as batches of plain tuples of chosen columns (core/exports.Rows)."""

    def __iter__(self) -> Iterator[dict]: ...

    def batches(self, keys: Sequence[str]) -> Iterator[Sequence[Sequence[Any]]]: ...


def _write_csv(path: Path, section: Section, reveal: bool, delimiter: str = ",") -> int:
    cols = _data_columns(section.columns)
    n = 0
    # The BOM first (utf-8-sig): Excel on Windows reads it and shows Indonesian names correctly;
    # written by hand, so that the rest goes through the C encoder of plain utf-8.
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write("\ufeff")
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow([neutralise(h) for h in csv_headers(cols)])
        if hasattr(section.rows, "batches"):
            return _csv_batches(writer, cast(Batched, section.rows), cols, reveal)
        for row in section.rows:
            row = masked(row, reveal)
            writer.writerow([neutralise(csv_cell(row.get(c.key))) for c in cols])
            n += 1
    return n


# A batch of rows is written column by column: the same cells as row by row above (masked,
# dates in ISO, a formula-like text with its apostrophe), with the per-cell work in C wherever
# a whole column needs none (`_csv_column`). How close this is to the sqlite3 shell writing
# the same query: docs/benchmarks.md, "Exports".
_PLAIN_TYPES = frozenset({str, int, float, type(None)})
_RISKY_AFTER_NUL = re.compile("\x00[" + re.escape("".join(sorted(RISKY_FIRST))) + "]")


def _csv_column(values: Sequence[Any], mask: Callable[[Any], Any] | None) -> Sequence[Any]:
    """One column of a batch as `_write_csv` writes it row by row."""
    if mask is not None:
        values = [mask(v) if v else v for v in values]  # as report.masked: only a value there
    types = set(map(type, values))
    if not types <= _PLAIN_TYPES:  # dates, times, lists (another engine than SQLite)
        values = [csv_cell(v) for v in values]
        types = set(map(type, values))
    if str not in types:
        return values  # numbers and blanks: nothing a spreadsheet could run
    if types <= {str, type(None)}:
        # one search over the column's texts joined by NUL: is any cell's first character one
        # that may start a formula (a NUL inside a text can only add a needless check)?
        text = "\x00".join(filter(None, values))
        if text[:1] not in RISKY_FIRST and not _RISKY_AFTER_NUL.search(text):
            return values
    return [neutralise(v) for v in values]


def _csv_batches(writer: Any, rows: Batched, cols: list[Col], reveal: bool) -> int:
    keys = [c.key for c in cols]
    maskers = {} if reveal else {keys.index(k): fn for k, fn in _maskers() if k in keys}
    n = 0
    # Python's cycle collector off meanwhile: the rows make no cycles, and it walked the batch's
    # tuples again and again (a tenth of the CPU time of 130,000 cooperatives)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for batch in rows.batches(keys):
            columns = list(zip(*batch, strict=True))
            written = [_csv_column(col, maskers.get(i)) for i, col in enumerate(columns)]
            if all(new is old for new, old in zip(written, columns, strict=True)):
                writer.writerows(batch)  # nothing to change: the rows as they came
            else:
                writer.writerows(zip(*written, strict=True))
            n += len(batch)
    finally:
        if collecting:
            gc.enable()
    return n


def _maskers() -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """The keys that report.masked masks, and how."""
    from koptrack.domain.validate import mask_kpj, mask_nik

    return (("nik", mask_nik), ("kpj", mask_kpj))


def csv_headers(cols: list[Col]) -> list[str]:
    """A CSV file's header row: the columns' keys in English (`nik`, `coop_name`: what every
    CSV export has always had), their headers in another language (`NIK`, `Nama koperasi`)."""
    if i18n.language() == "en":
        return [c.key for c in cols]
    return [_(c.header) for c in cols]


def csv_cell(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _plain(value)


def _write_json(path: Path, sections: list[Section], reveal: bool) -> dict:
    counts = {}
    with open(path, "w", encoding="utf-8") as f:
        single = len(sections) == 1
        f.write("[" if single else "{")
        for s_i, section in enumerate(sections):
            if not single:
                f.write(("\n  " if s_i == 0 else ",\n  ") + json.dumps(section.title, ensure_ascii=False) + ": [")
            n = 0
            for row in section.rows:
                f.write(("\n  " if n == 0 else ",\n  ") + dumps(masked(row, reveal)))
                n += 1
            if not single:
                f.write("]")
            counts[_(section.title)] = n
        f.write(("\n]" if single else "\n}") + "\n")
    return counts


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (31 characters, none of []:*?/\\)."""
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or _("Sheet")
    name, i = clean[:31], 2
    while name.lower() in taken:
        suffix = f" ({i})"
        name, i = clean[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name.lower())
    return name


def _is_percent(col: Col) -> bool:
    return col.fmt is pct


def _xlsx_value(value: Any, col: Col) -> Any:
    if value is None:
        return None
    if _is_percent(col):
        return value / 100
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, float, dt.date, dt.datetime)):
        return value
    return neutralise(_plain(value) if isinstance(value, (list, tuple)) else str(value))


def _shown_width(value: Any, col: Col) -> int:
    if value is None:
        return 0
    if _is_percent(col):
        return 7
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    return len(str(_plain(value)))


# How an xlsx shows a date (the cell holds the date itself): (Indonesian, English).
_DATE_FORMAT = ("dd/mm/yyyy", "yyyy-mm-dd")
_DATETIME_FORMAT = ("dd/mm/yyyy hh:mm", "yyyy-mm-dd hh:mm")
PERCENT_FORMAT = "0.0%"
EXCEL_MAX_ROWS = 1_048_576  # a sheet's rows, the header's included: a longer section goes on
# over more sheets, `People`, `People (2)`, ..., each with the header (Excel opens no sheet longer)

# Texts that openpyxl, given them as plain values, would store as an error cell (`#N/A`): such a
# text goes in a cell marked as text, as every text did before.
_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


def _xlsx_writer() -> str:
    """Which library writes a workbook: XlsxWriter (constant_memory: each row goes to disk as it
    is written, about 2.5 times openpyxl's speed, docs/benchmarks.md "Exports") when it is
    installed, else openpyxl's write-only mode (memory as flat, slower)."""
    import importlib.util

    return "xlsxwriter" if importlib.util.find_spec("xlsxwriter") else "openpyxl"


def _write_xlsx(path: Path, sections: list[Section], reveal: bool) -> dict:
    book: _Book = _XlsxWriterBook(path) if _xlsx_writer() == "xlsxwriter" else _OpenpyxlBook(path)
    try:
        taken: set[str] = set()
        counts = {}
        for section in sections:
            title = _(section.title)
            cols = _data_columns(section.columns)
            headers = [_(c.header) for c in cols]
            rows: Iterator[dict] = (masked(r, reveal) for r in section.rows)
            head: list[dict] = []
            for r in rows:  # the first rows decide the widths; the rest stream through
                head.append(r)
                if len(head) >= WIDTH_SAMPLE:
                    break
            widths = [
                min(max([len(h)] + [_shown_width(r.get(c.key), c) for r in head]) + 2, MAX_WIDTH)
                for c, h in zip(cols, headers, strict=True)
            ]
            n = on_sheet = 0
            for r in itertools.chain(head, rows):
                if n % (EXCEL_MAX_ROWS - 1) == 0:  # a sheet's first row, after its header
                    book.sheet(sheet_title(title, taken), cols, headers, widths)
                    on_sheet = 0
                book.row(r, on_sheet + 1)
                n += 1
                on_sheet += 1
            if n == 0:
                book.sheet(sheet_title(title, taken), cols, headers, widths)
            counts[title] = n
            kill_point("xlsx-rows")  # the library's temporary files hold the rows now
        if not sections:
            book.sheet(sheet_title(_("Empty"), taken), [], [], [])
        book.save()
    except BaseException:
        book.drop()
        raise
    return counts


class _Book(Protocol):
    def sheet(self, name: str, cols: list[Col], headers: list[str], widths: list[int]) -> None: ...

    def row(self, r: dict, index: int) -> None: ...

    def save(self) -> None: ...

    def drop(self) -> None: ...


class _OpenpyxlBook:
    """openpyxl's write-only workbook: rows go through its temporary files, memory stays flat."""

    def __init__(self, path: Path):
        from openpyxl import Workbook

        self._path = path
        self._wb = Workbook(write_only=True)
        self._ws: Any = None
        self._cols: list[Col] = []
        self._en = i18n.language() == "en"

    def sheet(self, name: str, cols: list[Col], headers: list[str], widths: list[int]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        ws = self._ws = self._wb.create_sheet(name)
        self._cols = cols
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if not cols:
            return
        ws.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=neutralise(h))
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        ws.append(header)

    def row(self, r: dict, index: int) -> None:
        """One row: text never read as a formula, percentages and dates formatted. A plain value
        where no format is needed (openpyxl makes it a cell anyway, and quicker)."""
        from openpyxl.cell import WriteOnlyCell

        out: list[Any] = []
        for c in self._cols:
            value = _xlsx_value(r.get(c.key), c)
            if value is None or type(value) is int or type(value) is float:
                if value is not None and _is_percent(c):
                    cell = WriteOnlyCell(self._ws, value=value)
                    cell.number_format = PERCENT_FORMAT
                    value = cell
                out.append(value)
            elif isinstance(value, str):
                # neutralised: never begins with = (a formula); an error's name is marked as text
                if value in _EXCEL_ERRORS:
                    cell = WriteOnlyCell(self._ws, value=value)
                    cell.data_type = "s"
                    value = cell
                out.append(value)
            else:
                cell = WriteOnlyCell(self._ws, value=value)
                if _is_percent(c):
                    cell.number_format = PERCENT_FORMAT
                elif isinstance(value, dt.datetime):
                    cell.number_format = _DATETIME_FORMAT[self._en]
                elif isinstance(value, dt.date):
                    cell.number_format = _DATE_FORMAT[self._en]
                out.append(cell)
        self._ws.append(out)

    def save(self) -> None:
        self._wb.save(self._path)

    def drop(self) -> None:
        """Finish each sheet's temporary file now (else its writer, collected later, writes into a
        closed file and prints "Exception ignored"); private_tempdir removes the files."""
        for ws in self._wb.worksheets:
            with contextlib.suppress(Exception):
                ws.close()


class _XlsxWriterBook:
    """XlsxWriter in constant_memory mode: each row is written to its temporary file as the next
    begins; texts always as text (never a formula, a number or a link)."""

    def __init__(self, path: Path):
        import importlib

        self._exceptions = importlib.import_module("xlsxwriter.exceptions")  # an optional dependency
        self._wb = importlib.import_module("xlsxwriter").Workbook(
            str(path),
            {
                "constant_memory": True,
                "tmpdir": tempfile.gettempdir(),
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "remove_timezone": True,
            },
        )
        en = i18n.language() == "en"
        self._bold = self._wb.add_format({"bold": True})
        self._date = self._wb.add_format({"num_format": _DATE_FORMAT[en]})
        self._datetime = self._wb.add_format({"num_format": _DATETIME_FORMAT[en]})
        self._percent = self._wb.add_format({"num_format": PERCENT_FORMAT})
        self._ws: Any = None
        self._cols: list[tuple[str, bool]] = []

    def sheet(self, name: str, cols: list[Col], headers: list[str], widths: list[int]) -> None:
        ws = self._ws = self._wb.add_worksheet(name)
        self._cols = [(c.key, _is_percent(c)) for c in cols]
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        if not cols:
            return
        ws.freeze_panes(1, 0)
        for i, h in enumerate(headers):
            ws.write_string(0, i, neutralise(h), self._bold)

    def row(self, r: dict, index: int) -> None:
        ws = self._ws
        for i, (key, percent) in enumerate(self._cols):
            value = r.get(key)
            if value is None:
                continue
            if percent:
                ws.write_number(index, i, value / 100, self._percent)
            elif isinstance(value, str):
                ws.write_string(index, i, neutralise(value))
            elif isinstance(value, bool):
                ws.write_string(index, i, _("yes") if value else _("no"))
            elif isinstance(value, (int, float)):
                ws.write_number(index, i, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(index, i, value, self._datetime)
            elif isinstance(value, dt.date):
                ws.write_datetime(index, i, value, self._date)
            else:
                ws.write_string(index, i, neutralise(str(_plain(value))))

    def save(self) -> None:
        try:
            self._wb.close()
        except self._exceptions.FileCreateError as exc:  # the file could not be written (a full disk): its OSError
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
            raise cause from None

    def drop(self) -> None:
        # a workbook not closed closes itself when collected, writing its file: never after a failure
        self._wb.fileclosed = True
