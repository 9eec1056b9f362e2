"""`koptrack seed [FILE]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from koptrack import i18n
from koptrack.cli.common import JsonOpt, db_session
from koptrack.i18n import N_, _
from koptrack.io import terminal

# What the seed creates (the keys of core.seed's counts), as the summary line counts them.
CREATED = {
    "sources": N_("{n} sources"),
    "regencies": N_("{n} regencies"),
    "kecamatan": N_("{n} kecamatan"),
    "aliases": N_("{n} aliases"),
    "programmes": N_("{n} programmes"),
    "rules": N_("{n} rules"),
    "rates": N_("{n} rates"),
    "coops": N_("{n} coops"),
    "targets": N_("{n} targets"),
    "reported": N_("{n} reported"),
}


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
        made = ", ".join(
            _(CREATED[k]).format(n=i18n.number(n)) if k in CREATED else f"{n} {k}" for k, n in created.items() if n
        )
        if made:
            terminal.info(_("seed loaded (created {what})").format(what=made))
        else:
            terminal.info(_("seed loaded (nothing new: already up to date)"))
