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
the error sink), writer (the people written), people and coops (the two imports). The files
themselves are read by koptrack.io.readers, and bulk inserts are koptrack.store.bulk's.
"""

from __future__ import annotations

from koptrack.core.imports.columns import ALIASES, REQUIRED, map_headers
from koptrack.core.imports.coops import import_coops
from koptrack.core.imports.people import import_people
from koptrack.core.imports.result import ImportRejected, ImportResult, RowError

__all__ = [
    "ALIASES",
    "REQUIRED",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "import_coops",
    "import_people",
    "map_headers",
]
