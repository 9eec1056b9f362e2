"""The README's column tables say exactly what `koptrack import` reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("doc", ["README.md", "docs/panduan.md"])
def test_readme_transcripts_are_real_runs(tmp_path, doc):
    """Every `$ koptrack ...` of the README (English, 120 columns) and of its Indonesian twin
    docs/panduan.md (Bahasa Indonesia, 80 columns), run in order in a fresh folder and database,
    prints what the document shows (regenerate with `python tests/readme_run.py --update`). The
    documents' database is the default SQLite file: the PostgreSQL pass would run the very same
    thing."""
    import readme_run
    from conftest import ON_POSTGRES

    if ON_POSTGRES:
        pytest.skip("the README runs on its own SQLite file: checked in the SQLite pass")

    path = readme_run.ROOT / doc
    lang, width = readme_run.DOCS[path]
    text = path.read_text(encoding="utf-8")
    assert len(readme_run.blocks(text)) >= 3  # the tour, the import, the corrections
    shown = readme_run.normalised(text)
    real = readme_run.normalised(readme_run.run_readme(text, tmp_path, lang, width))
    stale = [(i + 1, a, b) for i, (a, b) in enumerate(zip(shown, real, strict=False)) if a != b]
    assert len(shown) == len(real) or stale, f"{doc} is stale: the real runs print more or fewer lines"
    assert not stale, f"{doc} is stale (python tests/readme_run.py --update {doc}): first at line {stale[0]}"
