"""The README's transcripts are real runs: every ```text block whose lines start with `$ ` is run,
in document order, in one fresh folder with a fresh database, and its output compared with what
the README shows (tests/test_readme.py). Regenerate the README from real runs with

    python tests/readme_run.py --update

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

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```text\n(.*?)^```\n", re.S | re.M)
EXIT = re.compile(r"^\(exit code (\d+)\)$")


def blocks(text: str) -> list[re.Match[str]]:
    """The transcript blocks: ```text fences whose first line is a command."""
    return [m for m in FENCE.finditer(text) if m.group(1).startswith("$ ")]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOPTRACK_")}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        COLUMNS="120",
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


def run_block(block: str, home: Path) -> str:
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
            env=_env(home),
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


def run_readme(text: str, home: Path) -> str:
    """The README with every transcript block replaced by its real run."""
    pieces, last = [], 0
    for m in blocks(text):
        pieces.append(text[last : m.start(1)])
        pieces.append(run_block(m.group(1), home))
        last = m.end(1)
    pieces.append(text[last:])
    return "".join(pieces)


TIMESTAMP = re.compile(r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?\b")


def normalised(text: str) -> list[str]:
    """Lines to compare: trailing spaces and the clock's timestamps (`koptrack log`) aside."""
    return [TIMESTAMP.sub("<time>", line.rstrip()) for line in text.splitlines()]


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        new = run_readme(README.read_text(encoding="utf-8"), Path(tmp))
    if "--update" in sys.argv:
        README.write_text(new, encoding="utf-8")
        print(f"rewrote {README}")
    else:
        sys.stdout.write(new)


if __name__ == "__main__":
    main()
