"""The README's column tables say exactly what `koptrack import` reads."""

from __future__ import annotations

import re
from pathlib import Path

from koptrack.core.imports import ALIASES, REQUIRED
from koptrack.io.readers import norm_header

README = Path(__file__).resolve().parents[1] / "README.md"


def documented() -> list[dict[str, tuple[bool, set[str]]]]:
    """The two column tables of the README, in order (people, then coops)."""
    tables, current = [], None
    for line in README.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| `(\w+)` \| (yes|) \| (.*) \|$", line)
        if m:
            if current is None:
                current = {}
                tables.append(current)
            aliases = {norm_header(a) for a in m.group(3).split(",") if a.strip()}
            current[m.group(1)] = (m.group(2) == "yes", aliases)
        elif not line.startswith("|"):
            current = None
    return tables


def test_readme_column_tables_match_the_importer():
    tables = documented()
    assert len(tables) == 2, "expected the people and the coops column tables"
    for kind, table in zip(("people", "coops"), tables, strict=True):
        assert list(table) == list(ALIASES[kind]), kind
        for field, (required, aliases) in table.items():
            assert required == (field in REQUIRED[kind]), (kind, field)
            assert aliases == set(ALIASES[kind][field][1:]), (kind, field)
