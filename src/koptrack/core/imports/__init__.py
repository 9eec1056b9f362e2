"""Bulk import of cooperatives and their people from the office's spreadsheets (CSV or XLSX).

One streaming pass: each row is checked in Python (the same rules as the single commands), and
good rows are written in batches with SQLAlchemy Core inserts inside the caller's transaction,
so memory stays flat however long the file is. Errors found while writing (a NIK already
registered under another name, an overlapping period) are reported like any other bad row.
By default an import is all or nothing: if any row is bad, `ImportRejected` is raised and the
caller's transaction rolls back. With `skip_invalid` the good rows are kept.
Importing the same file twice changes nothing: identical records already present count as
`unchanged`.

The modules: columns (the column names read), checks (a row checked), result (the counts and
the error sink), writer (the people written), people and coops (rosters and lists of
cooperatives; a roster's rows with a departure date only end engagements, as `worker leave`),
dated (BPJS registrations and PKS-PKB memberships: `bpjs register`, `pkspkb join` and `leave` in
bulk), targets (`targets set` in bulk). The files themselves are read by koptrack.io.readers, and
bulk inserts are koptrack.store.bulk's.
"""

from __future__ import annotations

from collections.abc import Callable

from koptrack.core.imports.columns import ALIASES, REQUIRED, map_headers
from koptrack.core.imports.coops import import_coops
from koptrack.core.imports.dated import import_pkspkb, import_registrations
from koptrack.core.imports.people import import_people
from koptrack.core.imports.result import ImportRejected, ImportResult, RowError
from koptrack.core.imports.targets import import_targets

# `koptrack import KIND FILE`: the function of each kind (each takes the session, the file and
# the options sheet, encoding, skip_invalid, errors_path, force, progress; people takes coop and
# confirm too).
IMPORTS: dict[str, Callable[..., ImportResult]] = {
    "people": import_people,
    "coops": import_coops,
    "registrations": import_registrations,
    "pkspkb": import_pkspkb,
    "targets": import_targets,
}

__all__ = [
    "ALIASES",
    "IMPORTS",
    "REQUIRED",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "import_coops",
    "import_people",
    "import_pkspkb",
    "import_registrations",
    "import_targets",
    "map_headers",
]
