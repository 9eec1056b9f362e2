"""Every test gets its own database; none touches the user's default one.

By default that is an SQLite file (KOPTRACK_DB) in a private folder beside the test's tmp_path
(`<tmp_path>-db/koptrack.db`, so tmp_path itself starts empty): a copy, mode 0600, of one
template that koptrack created and migrated once per session (per pytest-xdist worker: the
suite runs in parallel), so no test pays for the migrations. With KOPTRACK_TEST_DATABASE_URL set
to a PostgreSQL server URL (`postgresql+psycopg://user@127.0.0.1:5432/postgres`), every test
gets a fresh database on that server instead, cloned from a template migrated once (per worker),
so the whole suite runs a second time on PostgreSQL. Tests marked `sqlite_only` check
SQLite-specific promises (file modes, pragmas, the sqlite3 shell); they run in the SQLite pass
and are reported as skipped in the PostgreSQL pass.

Tests marked `new_db` (SQLite pass) get a KOPTRACK_DB path where nothing exists yet, so their
first command that writes (or `store.open_engine`, which creates by default) creates and
migrates it as it would for a new user; a command that only reads refuses a database that does
not exist. Files others own may not carry the marker yet: NEW_DB_TESTS adds it to those by name.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koptrack import i18n, store
from koptrack.cli import app

PG_URL = os.environ.get("KOPTRACK_TEST_DATABASE_URL")
ON_POSTGRES = bool(PG_URL)
# The suite runs in parallel (pytest-xdist, addopts in pyproject.toml): this process is one of the
# workers, each with its own tmp_path_factory folder, SQLite template and PostgreSQL template.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


# Tests that check what happens to a database koptrack has just created, kept on a path where
# nothing exists yet (marker `new_db`), as (file name, test function name).
NEW_DB_TESTS = {
    ("test_store.py", "test_a_new_database_is_stamped_with_the_head"),
}


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: checks a promise that only concerns SQLite files")
    config.addinivalue_line(
        "markers",
        "new_db: KOPTRACK_DB does not exist when the test starts; its first write creates it "
        "(SQLite pass; the PostgreSQL pass clones its template as for every test)",
    )
    config.addinivalue_line(
        "markers",
        "engine_free: opens no database; runs in the SQLite pass only, where KOPTRACK_DB names a file "
        "that does not exist and must still not exist when the test ends",
    )
    if WORKER == "main":  # once, in the process that reports (a worker's UsageError is an INTERNALERROR)
        _check_listed_tests()


def _check_listed_tests() -> None:
    """A renamed test must not lose its fresh database (or its place in one pass) silently."""
    import ast

    for file_name in sorted(ENGINE_FREE):
        if not (Path(__file__).parent / file_name).exists():
            raise pytest.UsageError(f"conftest.ENGINE_FREE names {file_name}, which does not exist")
    defined: dict[str, set[str]] = {}
    for names, listed in (("NEW_DB_TESTS", NEW_DB_TESTS), ("ENGINE_FREE_TESTS", ENGINE_FREE_TESTS)):
        for file_name, test_name in sorted(listed):
            if file_name not in defined:
                path = Path(__file__).parent / file_name
                tree = ast.parse(path.read_bytes()) if path.exists() else ast.Module(body=[], type_ignores=[])
                defined[file_name] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            if test_name not in defined[file_name]:
                raise pytest.UsageError(f"conftest.{names} names {file_name}::{test_name}, which does not exist")


def pytest_collection_modifyitems(config, items):
    new_db, engine_free = pytest.mark.new_db, pytest.mark.engine_free
    for item in items:
        key = (item.path.name, getattr(item, "originalname", item.name))
        if key in NEW_DB_TESTS:
            item.add_marker(new_db)
        if item.path.name in ENGINE_FREE or key in ENGINE_FREE_TESTS:
            item.add_marker(engine_free)
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="SQLite-specific; it runs in the SQLite pass")
        free = pytest.mark.skip(reason="touches no database: it runs in the SQLite pass")
        rendering = pytest.mark.skip(reason="checks language and layout, not the database: the SQLite pass")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)
            elif item.get_closest_marker("engine_free") is not None:
                item.add_marker(free)
            elif item.path.name in RENDERING:
                item.add_marker(rendering)


# Modules that check what people read (the language, the layout at 80 columns, shell completion)
# on a small office: the database under them is the SQLite pass's; the PostgreSQL pass skips them.
RENDERING = {"test_i18n.py", "test_widths.py", "test_completion.py"}


# Modules that never open a database (pure parsing, periods, the CLI's start-up, documents): the
# PostgreSQL pass would only repeat them (and clone a database for each). Marker `engine_free`.
ENGINE_FREE = {
    "test_validate.py",
    "test_core_periods.py",
    "test_cli_lazy.py",
    "test_trust_doc.py",
    "test_output.py",  # the JSON and refusal writers
    "test_schema_models.py",  # migrates its own SQLite file in either pass
    "test_terminal_stream.py",  # long tables and the pager
}

# Tests of other modules that open no database either (help texts, usage errors, completion of
# fixed lists, pure functions, file writers, the settings, the catalog, data files), as (file
# name, test function name): a PostgreSQL pass with log_connections=on saw no connection to their
# database. Not here however much they look like it: tests that check PostgreSQL's own answer
# without opening the test's database (test_db_maintenance's pg_dump hint, test_upgrade's
# empty_db, test_bench_smoke's own database).
ENGINE_FREE_TESTS = {
    ("test_cli_coop.py", "test_commands_that_print_people_offer_show_nik"),
    ("test_cli_coop.py", "test_commands_without_people_have_no_show_nik"),
    ("test_completion.py", "test_commands_options_and_fixed_lists"),
    ("test_completion.py", "test_no_database_completes_nothing_and_prints_no_error"),
    ("test_core_bpjs.py", "test_default_category_follows_the_role"),
    ("test_core_bpjs.py", "test_nik_helper_builds_what_the_validator_reads"),
    ("test_core_targets.py", "test_met_whenever_the_value_reaches_the_target"),
    ("test_core_targets.py", "test_missed_once_the_year_is_over"),
    ("test_core_targets.py", "test_on_track_or_behind_by_the_share_of_the_year_gone"),
    ("test_core_targets.py", "test_pending_before_the_year_begins"),
    ("test_core_targets.py", "test_the_day_before_the_year_ends_is_not_yet_missed"),
    ("test_core_targets.py", "test_the_first_day_counts_as_gone_and_a_leap_year_has_366_days"),
    ("test_i18n.py", "test_a_broken_config_file_is_one_error_line"),
    ("test_i18n.py", "test_click_speaks_indonesian"),
    ("test_i18n.py", "test_config_set_db_is_used"),
    ("test_i18n.py", "test_config_set_show_unset"),
    ("test_i18n.py", "test_every_text_has_an_indonesian_translation_none_fuzzy_none_stale"),
    ("test_i18n.py", "test_lang_anywhere_and_a_wrong_one_refused"),
    ("test_i18n.py", "test_language_names"),
    ("test_i18n.py", "test_numbers_and_dates_in_both_languages"),
    ("test_i18n.py", "test_order_option_environment_config_locale"),
    ("test_i18n.py", "test_placeholders_are_kept_in_every_translation"),
    ("test_i18n.py", "test_the_locale_decides_when_nothing_else_does"),
    ("test_i18n.py", "test_the_shipped_mo_file_is_compiled_from_the_po_file"),
    ("test_office_rules.py", "test_help_examples_use_made_up_cooperatives"),
    ("test_readme.py", "test_readme_column_tables_match_the_importer"),
    ("test_regions_jabar.py", "test_aliases_are_the_other_lists_spellings"),
    ("test_regions_jabar.py", "test_an_alias_never_hides_another_kecamatans_own_name"),
    ("test_regions_jabar.py", "test_every_code_and_name_is_permendagri_72_2019s"),
    ("test_regions_jabar.py", "test_karawang_is_the_seeds_karawang"),
    ("test_regions_jabar.py", "test_the_extract_names_its_repository_commit_file_and_regulation"),
    ("test_regions_jabar.py", "test_the_file_holds_the_27_regencies_and_their_kecamatan"),
    ("test_seed.py", "test_each_bad_entry_is_named"),
    ("test_store.py", "test_a_database_url_koptrack_cannot_open_is_one_error"),
    ("test_store.py", "test_an_unreachable_database_is_one_clear_line"),
    ("test_store.py", "test_help_and_version_do_not_load_database_code"),
    ("test_store.py", "test_schema_head_constant_is_alembics_head"),
    ("test_store.py", "test_schema_head_is_the_one_head_of_the_shipped_migrations"),
    ("test_store.py", "test_the_real_entry_point_shows_help_without_database_code"),
    ("test_trust_files.py", "test_a_folder_one_may_not_write_in_is_one_error"),
    ("test_trust_files.py", "test_a_full_disk_is_one_error_and_leaves_nothing"),
    ("test_trust_files.py", "test_an_older_koptrack_s_hidden_copies_are_removed_once_an_hour_old"),
    ("test_trust_files.py", "test_leftovers_of_dead_runs_are_removed_and_live_ones_kept"),
    ("test_trust_files.py", "test_open_private_commits_on_close_and_never_overwrites_without_force"),
    ("test_trust_files.py", "test_open_private_leaves_the_target_as_it_was_on_failure"),
    ("test_trust_files.py", "test_open_private_never_writes_the_file_being_read"),
    ("test_trust_privacy.py", "test_a_usage_error_masks_a_nik_it_echoes"),
    ("test_trust_privacy.py", "test_neutralise_also_sees_a_formula_behind_blanks"),
    ("test_trust_privacy.py", "test_no_neutralised_text_starts_a_formula"),
    ("test_trust_privacy.py", "test_scrub_keeps_dates_times_and_small_numbers"),
    ("test_trust_privacy.py", "test_scrub_masks_every_nik_or_kpj_shaped_number_wherever_it_stands"),
}


def pytest_report_header(config):
    if ON_POSTGRES:
        return f"koptrack test database: PostgreSQL {store.describe_url(PG_URL)}"
    return "koptrack test database: SQLite file per test, copied from one template migrated once"


def _admin_engine():
    from sqlalchemy import create_engine

    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _pg_template():
    """A database with koptrack's schema, migrated once, to clone for every test. Each
    pytest-xdist worker has its own (named after it: gw0, gw1, or `main` without workers) and
    drops it at its end, whichever worker ends first."""
    name = f"kt_template_{WORKER}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    store.open_engine(url=_pg_url(name)).dispose()
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> bytes:
    """The bytes of an SQLite database that koptrack created and migrated, to copy for every test."""
    path = tmp_path_factory.mktemp("template") / "koptrack.db"
    store.open_engine(str(path)).dispose()
    # the last connection closed: SQLite has checkpointed the WAL into the file and removed it,
    # so the file alone is the whole database
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the template database is more than one file: {leftovers}"
    return path.read_bytes()


def _private_copy(data: bytes, path: Path) -> None:
    """Write `data` to a new file that only the user may read or write (0600, whatever the umask)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(data)


@pytest.fixture(autouse=True)
def _private_db(request, tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    # English unless a test asks for Indonesian (KOPTRACK_LANG=id in its env), whatever the
    # machine's locale, and no settings file of the person running the tests
    monkeypatch.setenv("KOPTRACK_LANG", "en")
    monkeypatch.setenv("KOPTRACK_CONFIG", str(tmp_path_factory.mktemp("config") / "config.yaml"))
    i18n.activate("en")
    if not ON_POSTGRES:
        # beside tmp_path, not in it: tests may expect tmp_path to hold only what they made there
        folder = tmp_path_factory.mktemp(f"{tmp_path.name}-db", numbered=False)
        db = folder / "koptrack.db"
        engine_free = request.node.get_closest_marker("engine_free") is not None
        if request.node.get_closest_marker("new_db") is None and not engine_free:
            _private_copy(request.getfixturevalue("_sqlite_template"), db)
        monkeypatch.setenv("KOPTRACK_DB", str(db))
        yield db
        if engine_free and db.exists():
            pytest.fail(
                "marked engine_free (conftest.ENGINE_FREE or ENGINE_FREE_TESTS) but created KOPTRACK_DB: "
                "it opens a database, so it belongs in the PostgreSQL pass too"
            )
        return
    template = request.getfixturevalue("_pg_template")
    name = f"kt_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        # FILE_COPY: a copy of the template's files, much faster than PostgreSQL 15's default
        # WAL_LOG for a small template (and the CI server runs with fsync off)
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    url = _pg_url(name)
    monkeypatch.setenv("KOPTRACK_DB", url)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def db_path(_private_db):
    """The test's database: a file path (SQLite) or a URL (PostgreSQL pass)."""
    return _private_db


@pytest.fixture
def empty_db(tmp_path):
    """A second database with no schema at all: a path (SQLite) or a new empty PostgreSQL database."""
    if not ON_POSTGRES:
        yield str(tmp_path / "empty.db")
        return
    name = f"kt_empty_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def engine(db_path):
    eng = store.open_engine(str(db_path))
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    """A write session on a fresh database; committed when the test ends."""
    with store.session_scope(engine, write=True) as s:
        yield s


@pytest.fixture
def seeded(engine):
    from koptrack.core import seed

    with store.session_scope(engine, write=True) as s:
        seed.load_seed(s)
    return engine


class Cli:
    """Run the real CLI in-process; `json()` parses stdout of a --json call."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True):
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"koptrack {' '.join(map(str, args))} exited {result.exit_code}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli():
    return Cli()


def table_dump(engine) -> dict:
    """Every row of every table (audit log and timestamps aside): for 'nothing changed' checks."""
    from sqlalchemy import inspect, text

    out = {}
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            if name in ("audit_log",):
                continue
            rows = conn.execute(text(f"SELECT * FROM {name} ORDER BY 1")).mappings().all()
            out[name] = [{k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rows]
    return out


def snapshot(engine) -> tuple[dict, int]:
    """Every table and the number of audit entries: a refused command leaves both as they were."""
    from sqlalchemy import text

    with engine.connect() as conn:
        audits = conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
    return table_dump(engine), audits


def refused(result) -> str:
    """The refusal: exit 1, nothing on stdout, no traceback, one `error:` line (a `hint:` line
    may follow). Returns stderr."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2 and lines[0].startswith("error: "), result.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    return result.stderr
