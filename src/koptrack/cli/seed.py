"""`koptrack seed [FILE]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from koptrack.cli.common import JsonOpt, db_session
from koptrack.io import terminal


def seed(
    file: Annotated[
        Path | None, typer.Argument(help="Seed YAML file (default: the data/seed.yaml shipped with koptrack).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Load the seed: kecamatan, programmes, the article's cooperative, targets.

    The default seed holds Karawang's 30 kecamatan, the BPJS Ketenagakerjaan programmes and
    their minimum rules, the cooperative named in the source article, the 2021 targets and
    the 2020 PKS-PKB reported counts. Safe to run again: it leaves the same database.

    Examples:

    \b
      koptrack seed
      koptrack seed my-office.yaml
    """
    with db_session("seed", write=True) as session:
        from koptrack.core import seed as seed_core

        created = seed_core.load_seed(session, file)
    if json_out:
        terminal.emit_record({"created": created}, fmt="json")
    else:
        made = ", ".join(f"{n} {k}" for k, n in created.items() if n)
        terminal.info(f"seed loaded ({'created ' + made if made else 'nothing new: already up to date'})")
