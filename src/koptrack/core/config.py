"""Settings that belong to the person at the desk, not to the shared database.

`KOPTRACK_REGENCY=32.15` makes a district office's view of a province database what it was on
its own SQLite file: reports count only that regency, and a kecamatan name found in several
regencies means the one in this regency. Commands take `--regency` to override it
(`--regency all` for the whole database).
"""

from __future__ import annotations

import os

from koptrack.domain import validate


def default_regency() -> str | None:
    """KOPTRACK_REGENCY, else `koptrack config set regency`, else None (the whole database)."""
    if os.environ.get("KOPTRACK_REGENCY") is not None:
        return validate.parse_regency(os.environ.get("KOPTRACK_REGENCY"), "KOPTRACK_REGENCY")
    from koptrack import settings

    return validate.parse_regency(settings.load().get("regency"), "regency")
