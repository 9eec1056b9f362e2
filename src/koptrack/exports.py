"""Files koptrack writes for people to open: created private to the user (0600), personal
identifiers masked unless asked, spreadsheet formulas neutralised."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO


def open_private(path: str | Path, mode: str = "w", **kwargs) -> IO:
    """Open a file for writing, created (or truncated) with mode 0600 whatever the umask."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
    return os.fdopen(fd, mode, **kwargs)
