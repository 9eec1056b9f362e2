"""The terminal: the one module that uses Rich. It shows what the core built (a `View`, its
`Section`s and `Record`s) as a Rich table for people, `--json` for programs, `--csv` for
spreadsheets. Data goes to stdout; messages, warnings, progress and refused rows go to stderr,
so `--json` output always pipes cleanly. NIK and KPJ are masked in every format unless `reveal`,
and so is anything that looks like one (`report.scrub`: 11 or more digits) in any value, title,
message, hint or error: a NIK typed where a cooperative or a date was expected is not echoed.
CSV cells that a spreadsheet would run as a formula are neutralised as in exported files.

A terminal or pipe that cannot encode a character (PYTHONIOENCODING=ascii, a cp1252 pipe) gets
an escape instead (`\xeb`; JSON: `\u00eb`), never a UnicodeEncodeError.

No text is ever read as Rich markup: values, titles, headers and messages are `Text` objects
(a cooperative named `Kop [/] x` prints as typed), and control or bidi characters in values
are shown as escapes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from koptrack import i18n
from koptrack.i18n import N_, _
from koptrack.report import NOT_PERSONAL, Col, Record, Section, View, has_id_like, masked, scrub, shown

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

# csv, json, Rich and koptrack.domain.validate are imported where used: `koptrack --help`
# loads this module and must stay fast.

TONE_STYLES = {"good": "green", "warn": "yellow", "bad": "red", "muted": "dim"}


def _encodable(stream: Any) -> None:
    """Characters the stream's encoding lacks become escapes instead of a UnicodeEncodeError
    (also a lone surrogate from an argument that was not UTF-8)."""
    if getattr(stream, "errors", "strict") == "strict" and hasattr(stream, "reconfigure"):
        with contextlib.suppress(Exception):  # a stream that cannot be reconfigured is left as it is
            stream.reconfigure(errors="backslashreplace")


def _utf(stream: Any) -> bool:
    return str(getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "").startswith("utf")


def stdout() -> Any:
    """sys.stdout, made safe for any text (see _encodable)."""
    _encodable(sys.stdout)
    return sys.stdout


def stdout_console() -> Console:
    from rich.console import Console

    _encodable(sys.stdout)
    console = Console(soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped or redirected: no terminal edge to fit, so do not squeeze identifiers.
        console = Console(soft_wrap=False, width=200)
    return console


def stderr_console() -> Console:
    from rich.console import Console

    _encodable(sys.stderr)
    return Console(stderr=True)


def _json_dumps() -> Callable[[Any], str]:
    """JSON text for stdout: non-ASCII characters as they are on a UTF-8 stream, as `\\u` escapes
    on any other (still the same JSON document)."""
    from koptrack.io.writers import dumps

    if _utf(sys.stdout):
        return dumps
    return lambda value: dumps(value, ascii_only=True)


# Whole numbers that name something (a row, a year, a line of a file) are written as they are;
# counts are written the language's way (`1.234` in Bahasa Indonesia).
IDENTIFIERS = frozenset({"id", "year", "line", "row", "change", "seq", "revision", "kecamatan_code", "regency"})


def plain(value: Any, fmt: Callable[[Any], str] | None = None, *, reveal: bool = False, key: str | None = None) -> str:
    """A value as the text of a cell or message: bidi and control characters shown as escapes,
    NIK- and KPJ-like numbers masked unless `reveal`."""
    if value is None:
        return ""
    if fmt:
        text = fmt(value)
    elif isinstance(value, dt.date):
        text = i18n.date(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value) if key in IDENTIFIERS or (key or "").endswith("_id") else i18n.number(value)
    else:
        text = str(value)
    if _unsafe().search(text):
        text = _unsafe().sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    return text if reveal else scrub(text)


_UNSAFE: Any = None


def _unsafe() -> Any:
    """Control and bidi characters: shown as escapes, never obeyed by the terminal."""
    global _UNSAFE
    if _UNSAFE is None:
        import re

        from koptrack.domain.validate import BIDI_CONTROLS

        _UNSAFE = re.compile(f"[\x00-\x1f{BIDI_CONTROLS}]")
    return _UNSAFE


def _text(value: Any, style: str | None = None, *, reveal: bool = False) -> Text:
    from rich.text import Text

    return Text(plain(value, reveal=reveal), style=style or "")


def _csv_cells(row: dict, keys: Iterable[str], reveal: bool) -> list:
    """One CSV line's cells: masked, scrubbed, and never a formula a spreadsheet would run."""
    from koptrack.io.writers import RISKY_FIRST, csv_cell, neutralise

    row = masked(row, reveal)
    cells = [csv_cell(row.get(key)) for key in keys]
    # one quick test of the whole line (most lines hold nothing that looks like a NIK or KPJ)
    if not reveal and has_id_like("\x00".join(c for c in cells if isinstance(c, str))):
        cells = [
            scrub(c) if isinstance(c, str) and key not in NOT_PERSONAL else c
            for key, c in zip(keys, cells, strict=True)
        ]
    return [neutralise(c) if isinstance(c, str) and c[:1] in RISKY_FIRST else c for c in cells]


def progress_bar(percent: float | None, width: int = 20) -> RenderableType:
    from rich.progress_bar import ProgressBar

    value = min(max(percent or 0.0, 0.0), 100.0)
    return ProgressBar(
        total=100,
        completed=value,
        width=width,
        complete_style="green" if value >= 100 else "yellow",
        finished_style="green",
    )


def emit_rows(
    rows: Iterable[dict],
    columns: list[Col],
    *,
    fmt: str = "table",
    title: str | None = None,
    reveal: bool = False,
    totals: dict | None = None,
    empty: str = N_("nothing to show"),
    stderr: bool = False,
) -> int:
    """Write rows in the chosen format; returns how many were written. JSON is streamed."""
    n = 0
    if fmt == "json":
        out = stdout()
        dumps = _json_dumps()
        out.write("[")
        chunk: list[str] = []  # written 1,000 rows at a time: one write per row cost 8 % of a long list
        kept: list[dict] = []
        for row in rows:
            row = masked(row, reveal)
            chunk.append(("\n  " if n == 0 else ",\n  ") + dumps(row))
            kept.append(row)
            n += 1
            if len(chunk) == 1000:
                out.write(_scrubbed_chunk(chunk, kept, n - len(chunk), dumps, reveal))
                chunk.clear()
                kept.clear()
        out.write(_scrubbed_chunk(chunk, kept, n - len(chunk), dumps, reveal) + ("\n]\n" if n else "]\n"))
        return n
    if fmt == "csv":
        import csv

        writer = csv.writer(stdout(), lineterminator="\n")
        keys = [c.key for c in columns if not c.bar]
        writer.writerow(keys)
        for row in rows:
            writer.writerow(_csv_cells(row, keys, reveal))
            n += 1
        return n
    console = stderr_console() if stderr else stdout_console()
    rows = iter(rows)
    first = list(itertools.islice(rows, STREAM_AFTER))
    if not first:
        console.print(_text(_(empty), "dim"))
        return 0
    footer = [plain(totals.get(c.key), c.fmt, key=c.key) if totals else "" for c in columns]
    with _paged(console, stderr, len(first)) as console:
        if len(first) == STREAM_AFTER:
            return _stream_table(console, columns, first, rows, footer if totals else None, title, reveal, stderr)
        return _rich_table(console, columns, first, footer, totals, title, reveal, stderr)


# A table of more rows than this is written as it is read (bounded memory, time close to its
# --json): the first rows decide the columns' widths; Rich lays out the shorter ones whole.
STREAM_AFTER = 1000


def _rich_table(
    console: Any,
    columns: list[Col],
    rows: list[dict],
    footer: list[str],
    totals: dict | None,
    title: str | None,
    reveal: bool,
    stderr: bool,
) -> int:
    shown_rows = [[_cell_text(row.get(c.key), c, reveal) for c in columns] for row in map(_masker(reveal), rows)]
    n = len(shown_rows)
    need = _needed_widths(columns, shown_rows, footer)
    visible = fit_columns(columns, need, console.width)
    if WIDE and _total_width(need, visible) > console.width:
        console.width = _total_width(need, visible)  # every column whole, past the window's edge
    if _total_width(need, visible) > console.width:
        need = [0] * len(columns)  # still too wide: Rich shares the width out, folding long values
    else:
        need = _headers_on_one_line(columns, visible, need, console.width)
    console.print(_table(columns, visible, need, shown_rows, footer if totals else None, title))
    _note_hidden([_(c.header) for i, c in enumerate(columns) if i not in visible and not c.bar], stderr)
    return n


def _headers_on_one_line(columns: list[Col], visible: list[int], need: list[int], width: int) -> list[int]:
    """Room left in the window widens the fixed columns whose header would wrap, the narrowest
    first, so that `Joined (base karyawan)` reads on one line wherever it fits."""
    from rich.cells import cell_len

    need = list(need)
    spare = width - _total_width(need, visible) - sum(8 for i in visible if columns[i].wrap)
    wanted = sorted(
        (cell_len(_(columns[i].header)) - need[i], i)
        for i in visible
        if not columns[i].wrap and not columns[i].bar and cell_len(_(columns[i].header)) > need[i]
    )
    for extra, i in wanted:
        if extra <= spare:
            need[i] += extra
            spare -= extra
    return need


def _masker(reveal: bool) -> Callable[[dict], dict]:
    return lambda row: masked(row, reveal)


def _stream_table(
    console: Any,
    columns: list[Col],
    first: list[dict],
    rest: Iterator[dict],
    footer: list[str] | None,
    title: str | None,
    reveal: bool,
    stderr: bool,
) -> int:
    """A long table, line by line in the layout Rich gives a short one (heavy header, light
    body): the first rows decide each column's width; a later value longer than its column
    wraps onto more lines (a name at its spaces, anything else where it must), never cut. Colours
    are left out: a table this long goes to a file or a pager."""
    import textwrap

    from rich.cells import cell_len

    shown = [c for c in columns if not c.bar]  # a progress bar is a picture: not in a long list
    cells = [
        [plain(r.get(c.key), c.fmt, reveal=reveal or c.key in NOT_PERSONAL, key=c.key) for c in shown]
        for r in map(_masker(reveal), first)
    ]
    foot = [footer[columns.index(c)] for c in shown] if footer else None
    need = []
    longest = []
    for i, c in enumerate(shown):
        lengths = [cell_len(r[i]) for r in cells] + ([cell_len(foot[i])] if foot else [])
        header = _longest_word(_(c.header))
        if c.wrap:
            words = max(_longest_word(r[i]) for r in cells)
            need.append(max(header, min(max(lengths), 14), words))
        else:
            need.append(max(header, *lengths))
        longest.append(max(header, *lengths))
    visible = fit_columns(shown, need, console.width)
    widths = {i: need[i] for i in visible}
    spare = console.width - _total_width(need, visible)
    for i in visible:  # later values may be longer than the first rows' (an id of 1000 after 999)
        if not shown[i].wrap and spare > 0:
            extra = min(spare, 3)
            widths[i] += extra
            spare -= extra
    for i in visible:  # room left: wrapping columns take it, up to their longest value
        if shown[i].wrap and spare > 0:
            extra = min(spare, longest[i] + 4 - widths[i])
            widths[i] += extra
            spare -= extra

    layout = [(i, widths[i], shown[i].justify == "right") for i in visible]

    def one_line(values: list[str]) -> list[str] | None:
        """The row's cells padded, when every value fits its column (most rows): else None."""
        cols = []
        for i, w, right in layout:
            text = values[i]
            if len(text) > w or not text.isascii():
                return None
            cols.append(text.rjust(w) if right else text.ljust(w))
        return cols

    def lines_of(values: list[str], *, header: bool = False) -> list[list[str]]:
        if not header:
            fast = one_line(values)
            if fast is not None:
                return [fast]
        parts: list[list[str]] = []
        for i in visible:
            w = widths[i]
            text = values[i]
            if cell_len(text) <= w:
                parts.append([text])
            elif shown[i].wrap or header:
                parts.append(textwrap.wrap(text, w, break_long_words=True) or [""])
            else:
                parts.append([text[k : k + w] for k in range(0, len(text), w)])
        height = max(len(p) for p in parts)
        out: list[list[str]] = []
        for line in range(height):
            cols: list[str] = []
            for i, p in zip(visible, parts, strict=True):
                text = p[line] if line < len(p) else ""
                pad = widths[i] - cell_len(text)
                right = shown[i].justify == "right"
                cols.append(" " * pad + text if right else text + " " * pad)
            out.append(cols)
        return out

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (widths[i] + 2) for i in visible) + right

    def row_text(cols: list[str], bar: str) -> str:
        return bar + bar.join(f" {c} " for c in cols) + bar

    out = console.file
    table_width = _total_width([widths.get(i, 0) for i in range(len(shown))], visible)
    if title:
        out.write(plain(_(title)).center(table_width).rstrip() + "\n")
    out.write(rule("┏", "━", "┳", "┓") + "\n")
    for cols in lines_of([_(c.header) for c in shown], header=True):
        out.write(row_text(cols, "┃") + "\n")
    out.write(rule("┡", "━", "╇", "┩") + "\n")
    n = 0
    chunk: list[str] = []
    for row in itertools.chain(first, rest):
        if n >= len(first):
            row = masked(row, reveal)
            values = [plain(row.get(c.key), c.fmt, reveal=reveal or c.key in NOT_PERSONAL, key=c.key) for c in shown]
        else:
            values = cells[n]
        chunk.extend(row_text(cols, "│") for cols in lines_of(values))
        n += 1
        if len(chunk) >= 2000:
            out.write("\n".join(chunk) + "\n")
            chunk.clear()
    if chunk:
        out.write("\n".join(chunk) + "\n")
    if foot:
        out.write(rule("├", "─", "┼", "┤") + "\n")
        for cols in lines_of(foot):
            out.write(row_text(cols, "│") + "\n")
    out.write(rule("└", "─", "┴", "┘") + "\n")
    out.flush()
    _note_hidden([_(c.header) for i, c in enumerate(shown) if i not in visible], stderr)
    return n


@contextlib.contextmanager
def _paged(console: Any, stderr: bool, rows_seen: int) -> Iterator[Any]:
    """At a terminal, a table longer than the window goes through the user's pager (as git does:
    $KOPTRACK_PAGER, else $PAGER, else `less -FRX`; `more` on Windows); never when stdout is a
    file or a pipe. The console handed back writes into the pager (colours kept)."""
    if stderr or not _is_terminal(console) or rows_seen + 6 < console.height:
        yield console
        return
    import shlex
    import subprocess

    from rich.console import Console

    command = os.environ.get("KOPTRACK_PAGER") or os.environ.get("PAGER") or ("more" if os.name == "nt" else "less")
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    try:
        pager = subprocess.Popen(
            shlex.split(command, posix=os.name != "nt"),
            stdin=subprocess.PIPE,
            env=env,
            text=True,
            encoding=getattr(sys.stdout, "encoding", None) or "utf-8",
            errors="backslashreplace",
        )
    except OSError:  # no pager on this machine: straight to the terminal
        yield console
        return
    assert pager.stdin is not None
    try:
        yield Console(file=pager.stdin, width=console.width, force_terminal=True, color_system=console.color_system)
    except BrokenPipeError:  # the person quit the pager before the end
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, OSError):
            pager.stdin.close()
        pager.wait()


def _is_terminal(console: Any) -> bool:
    return bool(console.is_terminal) and sys.stdout.isatty()


WIDE = False  # `--wide`: every column, whatever the terminal's width


def _cell_text(value: Any, col: Col, reveal: bool) -> Any:
    if col.bar:
        return value
    from rich.text import Text

    tone = col.tone(value) if col.tone else None
    text = plain(value, col.fmt, reveal=reveal or col.key in NOT_PERSONAL, key=col.key)
    return Text(text, style=TONE_STYLES[tone] if tone else "")


def _width_of(cell: Any) -> int:
    from rich.cells import cell_len

    return cell_len(cell.plain) if hasattr(cell, "plain") else 0


def _longest_word(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for w in text.split()), default=0)


BAR_WIDTH = 12


def _needed_widths(columns: list[Col], rows: list[list[Any]], footer: list[str]) -> list[int]:
    """The narrowest each column can be without cutting a value (a name: a word) or a header word."""
    from rich.cells import cell_len

    need = []
    for i, c in enumerate(columns):
        if c.bar:
            need.append(BAR_WIDTH)
            continue
        header = _longest_word(_(c.header))
        if c.wrap:
            words = [_longest_word(r[i].plain) for r in rows if hasattr(r[i], "plain")]
            longest = max([_width_of(r[i]) for r in rows] + [cell_len(footer[i])])
            need.append(max([header, min(longest, 14), _longest_word(footer[i]), *words]))
        else:
            need.append(max([header, cell_len(footer[i]), *(_width_of(r[i]) for r in rows)]))
    return need


def fit_columns(columns: list[Col], need: list[int], width: int) -> list[int]:
    """Which columns to show at `width`: all when they fit with every value whole (names may
    wrap); else the columns with the highest `drop` go first (the rightmost of equals first),
    one at a time, until the rest fit. A column with drop 0 always stays."""
    kept = list(range(len(columns)))
    if WIDE:
        return kept
    for i in sorted((i for i, c in enumerate(columns) if c.drop > 0), key=lambda i: (-columns[i].drop, -i)):
        if _total_width(need, kept) <= width:
            break
        kept.remove(i)
    return kept


def _total_width(need: list[int], indexes: list[int]) -> int:
    return sum(need[i] for i in indexes) + 3 * len(indexes) + 1  # padding and borders


def _table(
    columns: list[Col],
    kept: list[int],
    need: list[int],
    rows: list[list[Any]],
    footer: list[str] | None,
    title: str | None,
) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=_text(_(title)) if title else None, header_style="bold", show_footer=footer is not None)
    for i in kept:
        c = columns[i]
        table.add_column(
            _text(_(c.header)),
            justify=c.justify,
            footer=Text(footer[i]) if footer else "",
            overflow="fold",
            min_width=need[i] or None,
            # a value that must not wrap gets exactly its width: Rich would otherwise shrink
            # every column when the table just fills the window, and cut its right edge
            width=need[i] if need[i] and not c.wrap else None,
        )
    for cells in rows:
        table.add_row(*[progress_bar(cells[i], BAR_WIDTH) if columns[i].bar else cells[i] for i in kept])
    return table


def _note_hidden(hidden: list[str], stderr: bool) -> None:
    if not hidden:
        return
    from rich.text import Text

    message = _("not shown at this width: {columns} (a wider window, --wide, or --json shows them)").format(
        columns=", ".join(hidden)
    )
    stderr_console().print(Text(message, style="dim"), highlight=False, soft_wrap=True)


def _scrubbed_chunk(chunk: list[str], rows: list[dict], first: int, dumps: Callable[[Any], str], reveal: bool) -> str:
    """The chunk's JSON text; when anything in it looks like a NIK or KPJ (one search over the
    whole chunk: most lists have none), its rows again with their texts scrubbed."""
    text = "".join(chunk)
    if reveal or not has_id_like(text):
        return text
    return "".join(("\n  " if first + i == 0 else ",\n  ") + dumps(shown(row)) for i, row in enumerate(rows))


def emit_record(record: dict, *, fmt: str = "table", title: str | None = None, reveal: bool = False) -> None:
    """One object: JSON, CSV (a header and a line), or a two-column table of field and value."""
    record = masked(record, reveal)
    if fmt == "json":
        stdout().write(_json_dumps()(shown(record, reveal)) + "\n")
        return
    if fmt == "csv":
        import csv

        writer = csv.writer(stdout(), lineterminator="\n")
        writer.writerow(list(record))
        writer.writerow(_csv_cells(record, list(record), reveal))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=_text(_(title)) if title else None, show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in record.items():
        if isinstance(value, list | dict):
            continue
        label = key.replace("_", " ")
        shown_value = plain(value, reveal=reveal or key in NOT_PERSONAL, key=key)
        table.add_row(_text(_(label)), Text(shown_value))
    stdout_console().print(table)


def show_section(section: Section, fmt: str = "table", *, reveal: bool = False, stderr: bool = False) -> int:
    return emit_rows(
        section.rows,
        section.columns,
        fmt=fmt,
        title=section.title,
        reveal=reveal,
        totals=section.totals,
        empty=section.empty,
        stderr=stderr,
    )


def show(view: View, fmt: str = "table", *, reveal: bool = False) -> None:
    """Everything a command shows. `--json`: the view's document (or its first section's rows,
    streamed); `--csv`: the first section; a table: every part, then warnings and notes."""
    if fmt != "table":
        if view.json is not None:
            emit_record(view.json, fmt=fmt, reveal=reveal)
            return
        first = view.sections[0]
        emit_rows(first.rows, first.columns, fmt=fmt, reveal=reveal)
        return
    for part in view.parts:
        if isinstance(part, Record):
            emit_record(part.fields, title=part.title, reveal=reveal)
        else:
            show_section(part, reveal=reveal)
    for w in view.warnings:
        warn(w)
    for n in view.notes:
        note(n)


def info(message: str, *, reveal: bool = False) -> None:
    """A message for the person at the terminal (stderr, never mixed with data), printed as typed
    (NIK- and KPJ-like numbers masked unless `reveal`: the command's --show-nik)."""
    stderr_console().print(_text(message, reveal=reveal), highlight=False, soft_wrap=True)


def warn(message: str, *, reveal: bool = False) -> None:
    from rich.text import Text

    stderr_console().print(
        Text.assemble((_("warning:"), "yellow"), " ", plain(message, reveal=reveal)), highlight=False, soft_wrap=True
    )


def note(message: str) -> None:
    stderr_console().print(_text(message, "dim"), highlight=False, soft_wrap=True)


def error(message: str, hint: str | None = None) -> None:
    """`error: ...` and its `hint: ...` on stderr; identifiers in them are always masked."""
    from rich.text import Text

    console = stderr_console()
    console.print(Text.assemble((_("error:"), "bold red"), " ", plain(message)), highlight=False, soft_wrap=True)
    if hint:
        console.print(Text.assemble((_("hint:"), "dim"), " ", plain(hint)), highlight=False, soft_wrap=True)


@contextlib.contextmanager
def progress(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for a person at a terminal, as a callback (done, total); None
    when not at a terminal, so nothing is drawn into a log or a pipe."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    )
    task = bar.add_task(plain(label), total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)
