"""The schema the migrations build is the schema the models describe: Alembic's comparison of a
freshly migrated database with the models finds no difference (tables, columns, indexes, unique
constraints), so a migration cannot forget what a model declares (or the other way round)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from koptrack.store import engine as store_engine
from koptrack.store.models import SQLModel


def _significant(diff) -> list:
    out = []
    for d in diff:
        entry = d[0] if isinstance(d, list) else d
        kind = entry[0]
        # SQLite reports server defaults and types loosely; tables, columns, indexes and unique
        # constraints are what a forgotten migration step would show as.
        if kind in ("modify_default", "modify_type", "modify_nullable", "modify_comment"):
            continue
        out.append(d)
    return out


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrated_schema_matches_the_models(tmp_path):
    db = tmp_path / "k.db"
    store_engine.open_engine(str(db)).dispose()
    eng = create_engine(f"sqlite:///{db}")
    with eng.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    eng.dispose()
    assert _significant(diff) == []


def test_the_schema_head_is_alembics_head():
    assert store_engine.SCHEMA_HEAD == store_engine.alembic_head()
