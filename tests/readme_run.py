"""The README's transcripts are real runs: every ```text block whose lines start with `$ ` is run,
in document order, in one fresh folder with a fresh database, and its output compared with what
the README shows (tests/test_readme.py). Regenerate the README from real runs with

    python tests/readme_run.py --update            # README.md and docs/panduan.md
    python tests/readme_run.py --update docs/panduan.md

Rules of a transcript block:
- `$ koptrack ...` runs koptrack (the installed one, via `python -m koptrack`) with stdout and
  stderr interleaved as a terminal shows them, 120 columns wide;
- `$ cat FILE` shows a file: one the reader makes themselves is written from the lines below it,
  up to the next `$ ` (so the file is what the README shows); one koptrack wrote is shown as it is;
- `$ # ...` is a comment; `(exit code N)` after a command's output records a non-zero exit;
- the temporary folder's path is shown as `~`, the database lives in `~/.local/share/koptrack`;
- timestamps (`koptrack log`'s When column) are not compared.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# The documents whose transcripts are real runs: the README in English (120 columns), and its
# Indonesian twin, the office's guide, in Bahasa Indonesia at a laptop's 80 columns.
DOCS = {README: ("en", 120), ROOT / "docs" / "panduan.md": ("id", 80)}
FENCE = re.compile(r"^```text\n(.*?)^```\n", re.S | re.M)
EXIT = re.compile(r"^\(exit code (\d+)\)$")


def blocks(text: str) -> list[re.Match[str]]:
    """The transcript blocks: ```text fences whose first line is a command."""
    return [m for m in FENCE.finditer(text) if m.group(1).startswith("$ ")]


def _env(home: Path, lang: str = "en", width: int = 120) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOPTRACK_")}
    if "KOPTRACK_LOCALE_DIR" in os.environ:  # a translator's preview build
        env["KOPTRACK_LOCALE_DIR"] = os.environ["KOPTRACK_LOCALE_DIR"]
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        KOPTRACK_LANG=lang,
        COLUMNS=str(width),
        LINES="50",
        TERM="dumb",
        NO_COLOR="1",
        PYTHONIOENCODING="utf-8",
        TZ="UTC",
        USER="petugas",  # the audit log's user, the same on every machine
        LOGNAME="petugas",
        USERNAME="petugas",
    )
    env.pop("FORCE_COLOR", None)
    return env


def run_block(block: str, home: Path, lang: str = "en", width: int = 120) -> str:
    """Run one transcript block in `home`; the block as the real run prints it."""
    out: list[str] = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.startswith("$ "):
            continue  # output of the command above: replaced by the real output
        command = line[2:]
        out.append(line)
        if command.startswith("#"):
            continue
        words = shlex.split(command)
        if words[0] == "cat":
            shown = []
            while i < len(lines) and not lines[i].startswith("$ "):
                shown.append(lines[i])
                i += 1
            path = home / words[1]
            if path.exists():  # a file koptrack wrote: shown as it is
                shown = path.read_text(encoding="utf-8-sig").splitlines()
            else:  # a file the reader makes: written as the README shows it
                path.write_text("\n".join(shown) + "\n", encoding="utf-8")
            out.extend(shown)
            continue
        assert words[0] == "koptrack", f"the README runs only koptrack and cat: {command!r}"
        proc = subprocess.run(
            [sys.executable, "-m", "koptrack", *words[1:]],
            cwd=home,
            env=_env(home, lang, width),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        text = proc.stdout.replace(str(home), "~")
        out.extend(ln.rstrip() for ln in text.splitlines())
        if proc.returncode:
            out.append(f"(exit code {proc.returncode})")
    return "\n".join(out) + "\n"


def run_readme(text: str, home: Path, lang: str = "en", width: int = 120) -> str:
    """The document with every transcript block replaced by its real run."""
    pieces, last = [], 0
    for m in blocks(text):
        pieces.append(text[last : m.start(1)])
        pieces.append(run_block(m.group(1), home, lang, width))
        last = m.end(1)
    pieces.append(text[last:])
    return "".join(pieces)


# the clock's time as English (2026-11-25T16:03:42) and Indonesian (25/11/2026 16:03:42) write it
TIMESTAMP = re.compile(r"\b(\d{4}-\d\d-\d\d|\d\d/\d\d/\d{4})[ T]\d\d:\d\d(:\d\d)?\b")


def normalised(text: str) -> list[str]:
    """Lines to compare: trailing spaces and the clock's timestamps (`koptrack log`) aside."""
    return [TIMESTAMP.sub("<time>", line.rstrip()) for line in text.splitlines()]


def main() -> None:
    import tempfile

    named = [Path(a).resolve() for a in sys.argv[1:] if not a.startswith("--")]
    for doc, (lang, width) in DOCS.items():
        if named and doc not in named:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            new = run_readme(doc.read_text(encoding="utf-8"), Path(tmp), lang, width)
        if "--update" in sys.argv:
            doc.write_text(new, encoding="utf-8")
            print(f"rewrote {doc}")
        else:
            sys.stdout.write(new)


if __name__ == "__main__":
    main()
