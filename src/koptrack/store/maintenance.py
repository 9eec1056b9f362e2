"""Looking after the database file: backup (SQLite's online backup API), restore, checks.

A backup is a consistent copy even while another process writes: the copy is taken inside one
read transaction (WAL lets writers go on meanwhile). The files themselves are written by
io/writers.py's rules (core/database.py): a 0600 temporary file next to the target, renamed into
place only once it is complete and checked. A restore is proved first: every table, column and
audit trigger of its revision, SQLite's integrity and foreign-key checks, before and after its
upgrade; only then is it renamed over the live file. Every file is opened through an escaped URI.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from koptrack.errors import KoptrackError
from koptrack.i18n import N_, _
from koptrack.store import engine as store


class Problem(str):
    """A problem found in a database's schema (`table person`, `trigger audit_log_no_delete
    missing`): its English text, what `db check --json` lists in every language, which also
    says itself in the current language (`shown`, for messages and warnings)."""

    template: str
    values: dict

    def __new__(cls, template: str, **values: object) -> Problem:
        self = super().__new__(cls, template.format(**values))
        self.template, self.values = template, values
        return self

    def shown(self) -> str:
        return _(self.template).format(**self.values)


def shown(problem: str) -> str:
    """A schema problem (a `check()` result's `schema_problems` item) in the current language."""
    return problem.shown() if isinstance(problem, Problem) else problem


# Tables whose rows `db check` counts (the rest are lookups and bookkeeping).
COUNTED = (
    "regency",
    "kecamatan",
    "cooperative",
    "person",
    "engagement",
    "bpjs_registration",
    "enrollment",
    "pkspkb_membership",
    "target",
    "reported_count",
    "audit_log",
)


def sqlite_path(url: str, what: str) -> Path:
    path = store.sqlite_file(url)
    if path is None:
        raise KoptrackError(
            _("{command} works on a koptrack SQLite file; the database is {url}").format(
                command=what, url=store.describe_url(url)
            ),
            hint=_("on PostgreSQL use pg_dump and pg_restore (docs/deployment.md)"),
        )
    return path


@contextlib.contextmanager
def _connect(
    path: Path, *, readonly: bool = False, timeout_ms: int = store.BUSY_TIMEOUT_MS
) -> Iterator[sqlite3.Connection]:
    # An escaped URI: a `#` or `?` in a file or folder name is part of the name. mode=rw never
    # creates a file: every file opened here exists already (the temporary copies are made first).
    uri = store.sqlite_uri(path, "ro" if readonly else "rw")
    conn = sqlite3.connect(uri, uri=True, timeout=timeout_ms / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        yield conn
    finally:
        conn.close()


def _schema(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Every table (with its columns) and trigger: {"table:name": {columns}, "trigger:name": set()}."""
    out: dict[str, set[str]] = {}
    for kind, name in conn.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')"):
        if name.startswith("sqlite_"):
            continue
        columns = set()
        if kind == "table":
            columns = {r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')}
        out[f"{kind}:{name}"] = columns
    return out


def _guarantees(conn: sqlite3.Connection) -> dict[str, str]:
    """What keeps the rows whole beyond their tables and columns: each trigger's SQL (spaces
    collapsed) and each foreign key, {"trigger audit_log_no_delete": "CREATE TRIGGER ...",
    "foreign key engagement.person_id": "person.id"}."""
    out: dict[str, str] = {}
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"):
        out[f"trigger {name}"] = " ".join(str(sql or "").split())
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        if table.startswith("sqlite_"):
            continue
        for ref, column, to in conn.execute('SELECT "table", "from", "to" FROM pragma_foreign_key_list(?)', (table,)):
            out[f"foreign key {table}.{column}"] = f"{ref}.{to}"
    return out


def guarantee_problems(found: dict[str, str], expected: dict[str, str]) -> list[str]:
    """What differs from koptrack's own triggers and foreign keys: one missing or changed, or a
    trigger koptrack never made (it could change rows behind koptrack's back)."""
    out: list[str] = [
        _guarantee_problem(key, "missing" if key not in found else "changed")
        for key, value in sorted(expected.items())
        if found.get(key) != value
    ]
    out += [
        _guarantee_problem(key, "foreign")
        for key in sorted(found)
        if key.startswith("trigger ") and key not in expected
    ]
    return out


_GUARANTEE_PROBLEMS = {
    ("trigger", "missing"): N_("trigger {name} missing"),
    ("trigger", "changed"): N_("trigger {name} changed"),
    ("trigger", "foreign"): N_("trigger {name} is not koptrack's"),
    ("foreign key", "missing"): N_("foreign key {name} missing"),
    ("foreign key", "changed"): N_("foreign key {name} changed"),
}


def _guarantee_problem(key: str, what: str) -> Problem:
    """`trigger audit_log_no_delete missing`, `foreign key engagement.person_id changed`."""
    kind = "trigger" if key.startswith("trigger ") else "foreign key"
    return Problem(_GUARANTEE_PROBLEMS[(kind, what)], name=key[len(kind) + 1 :])


_EXPECTED: dict[str, dict[str, set[str]]] = {}
_EXPECTED_GUARANTEES: dict[str, dict[str, str]] = {}


def expected_guarantees(revision: str) -> dict[str, str]:
    """The triggers and foreign keys a koptrack database has at `revision`."""
    expected_schema(revision)
    return _EXPECTED_GUARANTEES[revision]


def expected_schema(revision: str) -> dict[str, set[str]]:
    """The tables, columns and triggers a koptrack database has at `revision`: the migrations
    run up to it on an empty database in memory."""
    if revision not in _EXPECTED:
        from alembic import command
        from alembic.config import Config
        from sqlalchemy import create_engine

        engine = create_engine("sqlite://")
        try:
            cfg = Config()
            cfg.set_main_option("script_location", "koptrack.store:migrations")
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
            raw = engine.raw_connection()
            try:
                _EXPECTED[revision] = _schema(raw.driver_connection)  # type: ignore[arg-type]
                _EXPECTED_GUARANTEES[revision] = _guarantees(raw.driver_connection)  # type: ignore[arg-type]
            finally:
                raw.close()
        finally:
            engine.dispose()
    return _EXPECTED[revision]


def _missing(found: dict[str, set[str]], expected: dict[str, set[str]]) -> list[str]:
    """What `found` lacks of `expected`: tables and triggers first; columns only when every
    table is there (a table that is missing is not listed column by column)."""
    absent: list[str] = [
        Problem(N_("table {name}") if key.startswith("table:") else N_("trigger {name}"), name=key.split(":", 1)[1])
        for key in sorted(expected)
        if key not in found
    ]
    if absent:
        return absent
    return [
        Problem(N_("column {table}.{column}"), table=key.split(":", 1)[1], column=c)
        for key, columns in sorted(expected.items())
        for c in sorted(columns - found[key])
    ]


def check_schema(path: Path, revision: str) -> None:
    """The database at `path` has every table, column and trigger of `revision` (checked before
    an upgrade, which would otherwise fail half-way on a file that only looks like koptrack's)."""
    try:
        with _connect(path) as conn:
            found = _schema(conn)
    except sqlite3.Error as exc:
        raise KoptrackError(_("cannot read database {path}: {error}").format(path=repr(str(path)), error=exc)) from None
    missing = _missing(found, expected_schema(revision))
    if missing:
        raise KoptrackError(_incomplete(path, revision, missing), hint=_(store.RESTORE_INTO_NEW))


def _incomplete(path: Path, revision: str, missing: list[str]) -> str:
    return _("{path} is not a complete koptrack database of revision {revision}: {missing} missing").format(
        path=repr(str(path)), revision=revision, missing=_listed(missing)
    )


def _listed(problems: list[str]) -> str:
    """The first eight problems, in the current language, and how many more there are."""
    items = ", ".join(shown(p) for p in problems[:8])
    if len(problems) > 8:
        return _("{items} and {n} more").format(items=items, n=len(problems) - 8)
    return items


def describe_file(path: Path, *, complete: bool = False) -> dict:
    """What a file is, as far as koptrack is concerned: its schema revision and integrity.
    Raises KoptrackError when it is not a koptrack database. With `complete`, proves it is a
    whole koptrack database of a known revision: every table, column and audit trigger of that
    revision, SQLite's full integrity check and its foreign-key check."""
    shown_path = repr(str(path))
    if not path.is_file():
        raise KoptrackError(_("{path}: no such file").format(path=shown_path))
    try:
        with open(path, "rb") as f:
            magic = f.read(16)
    except OSError as exc:
        raise KoptrackError(_("cannot read {path}: {error}").format(path=shown_path, error=exc.strerror)) from None
    if magic != b"SQLite format 3\x00":
        raise KoptrackError(_("{path} is not an SQLite database, so not a koptrack database").format(path=shown_path))
    try:
        with _connect(path, readonly=True) as conn:
            found = _schema(conn)
            if "table:alembic_version" not in found or "table:cooperative" not in found:
                raise KoptrackError(
                    _("{path} is an SQLite database but not a koptrack one (no koptrack schema in it)").format(
                        path=shown_path
                    )
                )
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = revision[0] if revision else None
            if revision is None or not store.known_revision(revision):
                raise KoptrackError(
                    _("{path} has schema revision {revision}, which this koptrack does not know").format(
                        path=shown_path, revision=revision
                    ),
                    hint=_(store.UPGRADE_KOPTRACK),
                )
            if complete:
                missing = _missing(found, expected_schema(revision))
                if missing:
                    raise KoptrackError(_incomplete(path, revision, missing))
                changed = guarantee_problems(_guarantees(conn), expected_guarantees(revision))
                if changed:
                    raise KoptrackError(
                        _("{path} is not a koptrack database as koptrack made it: {problems}").format(
                            path=shown_path, problems=_listed(changed)
                        ),
                        hint=_(
                            "its triggers and foreign keys keep the audit log and rows whole; restore another backup"
                        ),
                    )
                problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
                integrity = "ok" if problems == ["ok"] else "; ".join(problems[:3])
                fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            else:
                integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
                fk = []
    except sqlite3.DatabaseError as exc:
        raise KoptrackError(
            _("{path} cannot be read as a database: {error}").format(path=shown_path, error=exc)
        ) from None
    if integrity != "ok":
        raise KoptrackError(_("{path} is damaged: {integrity}").format(path=shown_path, integrity=integrity))
    if fk:
        raise KoptrackError(
            _("{path} has {n} row(s) pointing at nothing (first: table {table}, row {row})").format(
                path=shown_path, n=len(fk), table=fk[0][0], row=fk[0][1]
            ),
            hint=_("koptrack db check on a copy shows them"),
        )
    return {"path": str(path.resolve()), "revision": revision}


def check_complete(path: Path) -> None:
    """A restored copy, upgraded, is a whole koptrack database at the head revision, and its
    audit log refuses to be changed or deleted (tried, and rolled back)."""
    info = describe_file(path, complete=True)
    if info["revision"] != store.SCHEMA_HEAD:
        raise KoptrackError(
            _("{path} is at revision {revision}, not {head}").format(
                path=repr(str(path)), revision=info["revision"], head=store.SCHEMA_HEAD
            )
        )
    prove_append_only(path)


APPEND_ONLY = "audit_log is append-only"


def prove_append_only(path: Path) -> None:
    """Try to change and to delete an audit entry (a probe row, in a transaction rolled back):
    the database itself must refuse both."""
    accepted = []
    try:
        with _connect(path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "INSERT INTO audit_log (at, os_user, command, entity) "
                    "VALUES ('2000-01-01 00:00:00.000000', 'koptrack', 'probe', 'probe')"
                )
                probe = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
                for statement in (
                    f"UPDATE audit_log SET summary = 'changed' WHERE id = {probe}",
                    f"DELETE FROM audit_log WHERE id = {probe}",
                ):
                    try:
                        conn.execute(statement)
                    except sqlite3.DatabaseError as exc:
                        if APPEND_ONLY not in str(exc):
                            raise
                    else:
                        accepted.append(statement.split()[0])
            finally:
                conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        raise KoptrackError(
            _("cannot check the audit log of {path}: {error}").format(path=repr(str(path)), error=exc)
        ) from None
    if accepted:
        statements = accepted[0]
        for statement in accepted[1:]:
            statements = _("{items} and {item}").format(items=statements, item=statement)
        raise KoptrackError(
            _("{path}: its audit log accepts {statements}: it is not append-only").format(
                path=repr(str(path)), statements=statements
            ),
            hint=_("restore another backup"),
        )


def copy(source: Path, target: Path) -> None:
    """The whole of `source` into the existing (empty) file `target`, in one step of the backup
    API (one read snapshot, consistent while others write), as one self-contained file."""
    try:
        with _connect(source, readonly=True) as src, _connect(target) as dst:
            src.backup(dst, pages=-1)
        with _connect(target) as conn:
            conn.execute("PRAGMA journal_mode = DELETE")  # no -wal beside it
    except sqlite3.Error as exc:
        raise KoptrackError(_("cannot copy {path}: {error}").format(path=repr(str(source)), error=exc)) from None


def copy_settle(path: Path) -> None:
    """A database file koptrack has finished with: one self-contained file (journal_mode
    DELETE, no -wal or -shm beside it); the next open turns WAL on again."""
    try:
        with _connect(path) as conn:
            conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as exc:
        raise KoptrackError(_("cannot finish {path}: {error}").format(path=repr(str(path)), error=exc)) from None


def backup_into(url: str, tmp: Path) -> dict:
    """Copy the database at `url` into `tmp` (a private temporary file that the caller renames
    into place) and check the copy."""
    source = sqlite_path(url, "db backup")
    if not source.is_file():
        raise KoptrackError(_("no database at {path} to back up").format(path=repr(str(source))))
    copy(source, tmp)
    return describe_file(tmp)


def make_private(path: Path) -> list[str]:
    """The database file and its -wal and -shm made 0600 if others may read them (engine's rule)."""
    return store.make_private(path)


def holds_data(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


IN_USE = N_("another koptrack is using the database; try again when it has finished")


def release(path: Path) -> None:
    """Make the live database one self-contained file before a restore renames another over
    it: its write-ahead log is written into it and removed (journal_mode DELETE), so no stale
    -wal is applied to the restored file. Refused while another process has it open."""
    if not holds_data(path):
        return
    try:
        with _connect(path, timeout_ms=2000) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.Error as exc:
        raise KoptrackError(
            _("cannot restore over {path} now: {error}").format(path=repr(str(path)), error=exc),
            hint=_(IN_USE),
        ) from None
    if str(mode).lower() != "delete":
        raise KoptrackError(
            _("cannot restore over {path} now: it is in use").format(path=repr(str(path))), hint=_(IN_USE)
        )
    for side in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + side).unlink()


def check(engine) -> dict:
    """Integrity and foreign-key checks (SQLite), schema revision, row counts. A damaged file is
    reported (the check's own words, a table that cannot be read counted as None), not raised."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    result: dict = {
        "database": store.describe_url(str(engine.url.render_as_string(hide_password=False))),
        "revision": store.current_revision(engine),
        "expected_revision": store.SCHEMA_HEAD,
    }
    damaged: list[str] = []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            try:
                integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            except DatabaseError as exc:
                integrity = [f"damaged: {exc.orig}"]
            try:
                fk = [
                    dict(table=r[0], rowid=r[1], parent=r[2]) for r in conn.exec_driver_sql("PRAGMA foreign_key_check")
                ]
            except DatabaseError as exc:
                fk, damaged = [], [f"foreign-key check failed: {exc.orig}"]
            result["integrity"] = "ok" if integrity == ["ok"] else "; ".join(integrity[:20])
            result["foreign_key_problems"] = fk[:100]
            result["foreign_key_problem_count"] = len(fk)
        else:
            result["integrity"] = "checked by the server"
            result["foreign_key_problems"] = []
            result["foreign_key_problem_count"] = 0
        try:
            problems = _schema_problems(conn, result["revision"])
        except DatabaseError as exc:
            problems = []
            damaged.append(f"the schema cannot be read: {exc.orig}")
        result["audit_log"] = (
            "append-only"
            if not any("trigger" in p and "audit_log" in p for p in problems)
            else "NOT append-only (see schema_problems)"
        )
        result["schema_problems"] = problems
        rows: dict[str, int | None] = {}
        for t in COUNTED:
            try:
                rows[t] = conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            except DatabaseError as exc:
                rows[t] = None
                damaged.append(f"table {t} cannot be read: {exc.orig}")
        result["rows"] = rows
    if damaged:
        result["integrity"] = "; ".join(([] if result["integrity"] == "ok" else [result["integrity"]]) + damaged)
    result["ok"] = (
        result["integrity"] in ("ok", "checked by the server")
        and not result["foreign_key_problem_count"]
        and not result["schema_problems"]
        and result["revision"] == result["expected_revision"]
    )
    return result


# PostgreSQL: the audit log's triggers at the head revision (name: its event, a phrase of its
# function), and the tables migration 0006 puts under row-level security.
PG_AUDIT_TRIGGERS = {
    "audit_log_no_change": ("BEFORE DELETE OR UPDATE", f"RAISE EXCEPTION '{APPEND_ONLY}'"),
    "audit_log_no_truncate": ("BEFORE TRUNCATE", f"RAISE EXCEPTION '{APPEND_ONLY}'"),
    "audit_log_server_fields": ("BEFORE INSERT", "NEW.db_user := session_user"),
}
PG_SECURED = (
    "cooperative",
    "coop_inactive",
    "person",
    "engagement",
    "enrollment",
    "bpjs_registration",
    "pkspkb_membership",
    "target",
    "reported_count",
    "audit_log",
)


def _schema_problems(conn, revision: str | None) -> list[str]:
    """What keeps the data whole, as koptrack made it: on SQLite every table, column, trigger and
    foreign key of the revision (and no trigger koptrack did not make); on PostgreSQL the audit
    log's triggers (present, switched on, with their own functions), no trigger switched off,
    and row-level security on every table of a regency's data."""
    if revision is None or not store.known_revision(revision):
        return []  # reported as the revision
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        return _missing(_schema(raw), expected_schema(revision)) + guarantee_problems(
            _guarantees(raw), expected_guarantees(revision)
        )
    if conn.dialect.name != "postgresql" or revision != store.SCHEMA_HEAD:
        return []
    out: list[str] = []
    found = {
        name: (enabled, " ".join(definition.split()), " ".join(source.split()))
        for name, enabled, definition, source in conn.exec_driver_sql(
            "SELECT t.tgname, t.tgenabled, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = 'audit_log'::regclass AND NOT t.tgisinternal"
        )
    }
    for name, (event, phrase) in PG_AUDIT_TRIGGERS.items():
        if name not in found:
            out.append(Problem(N_("trigger {name} on audit_log missing"), name=name))
        elif found[name][0] == "D":
            out.append(Problem(N_("trigger {name} on audit_log switched off"), name=name))
        elif event not in found[name][1] or phrase not in found[name][2]:
            out.append(Problem(N_("trigger {name} on audit_log changed"), name=name))
    off = conn.exec_driver_sql(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgenabled = 'D' AND c.relnamespace = current_schema()::regnamespace ORDER BY 1"
    ).all()
    out += [
        Problem(N_("triggers switched off on {table} (foreign keys or the audit log unchecked)"), table=r[0])
        for r in off
    ]
    unsecured = conn.exec_driver_sql(
        "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
        "AND relname = ANY(%(t)s) AND NOT relrowsecurity ORDER BY 1",
        {"t": list(PG_SECURED)},
    ).all()
    out += [Problem(N_("row-level security off on {table}"), table=r[0]) for r in unsecured]
    return out
