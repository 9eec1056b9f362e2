"""Where the data lives: engine from a URL, SQLite pragmas, schema upgrade on open, sessions.

`--db` (a path or an SQLAlchemy URL), else `KOPTRACK_DB`, else `koptrack.db` in the platform's
user data folder. The schema is brought to the newest Alembic revision every time a database is
opened, so a database made by an older koptrack upgrades itself. A path becomes a URL with every
character escaped (`r#1.db` is that file). Only a command that writes creates a database file;
another application's SQLite file is refused and left as it was.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError
from sqlmodel import Session

from koptrack.errors import KoptrackError
from koptrack.i18n import N_, _

# The newest migration in koptrack/store/migrations/versions. tests/test_store.py checks that this
# constant equals Alembic's head, so opening an up-to-date database never imports Alembic.
SCHEMA_HEAD = "0007"

BUSY_TIMEOUT_MS = 30_000

CHECK_DB = N_("check the path given with --db or KOPTRACK_DB")
UPGRADE_KOPTRACK = N_("upgrade koptrack (pip install -U koptrack)")
RESTORE_INTO_NEW = N_("restore a backup into a new file: koptrack --db NEW.db db restore BACKUP")


def default_db_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("koptrack", appauthor=False) / "koptrack.db"


def resolve_url(db: str | None = None) -> str:
    """A path or URL from --db, else KOPTRACK_DB, else the default data file, as a URL. A path's
    `#`, `?`, `%`, spaces and other characters are escaped, so the URL names exactly that file."""
    db = db or os.environ.get("KOPTRACK_DB") or str(default_db_path())
    if "://" in db:
        return db
    return sqlite_url(Path(db).expanduser().resolve())


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of an SQLite file, every character of its path escaped."""
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def sqlite_uri(path: str | Path, mode: str = "rw") -> str:
    """The URI sqlite3 opens `path` with (`mode`: ro, rw, rwc), every special character escaped:
    `file:/a/r%231.db` is the file `r#1.db`, not `r` and a fragment."""
    from urllib.parse import quote

    return f"file:{quote(str(Path(path).absolute()), safe='/')}?mode={mode}"


def sqlite_file(url: str) -> Path | None:
    """The file behind an SQLite URL; None for another database or an in-memory one."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return None
    if u.database.startswith("file:"):  # a URI given with ?uri=true: not ours to interpret
        return None
    return Path(u.database)


def describe_url(url: str) -> str:
    """The URL without a password, for messages (an SQLite file's path as typed, unescaped)."""
    from sqlalchemy.engine import make_url

    path = sqlite_file(url)
    if path is not None:
        return "sqlite:///" + str(path)
    return make_url(url).render_as_string(hide_password=True)


def prepare_sqlite_file(path: Path) -> None:
    """Create missing parent folders (0700, each of them) and an empty file private to the user
    (0600) if none exists."""
    try:
        missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    except OSError as exc:
        raise KoptrackError(
            _("cannot create database {path}: {error}").format(path=repr(str(path)), error=exc.strerror),
            hint=_(CHECK_DB),
        ) from None


def make_private(path: Path) -> list[str]:
    """Make an existing database file, and its -wal and -shm beside it, private to the user
    (0600) when others may read or write them (a file copied in with 0644, a umask of 022): the
    messages that say what was done, for the user."""
    import stat

    told = []
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = os.stat(p)
        except OSError:
            continue
        mode = stat.S_IMODE(st.st_mode)
        if not stat.S_ISREG(st.st_mode) or not mode & 0o077:
            continue
        try:
            os.chmod(p, 0o600)
        except OSError as exc:
            told.append(
                _("others may read {path} (mode {mode}), and it could not be made private: {error}").format(
                    path=repr(str(p)), mode=f"{mode:04o}", error=exc.strerror
                )
            )
        else:
            told.append(
                _("made {path} private to you (0600): its mode was {mode}, others could read it").format(
                    path=repr(str(p)), mode=f"{mode:04o}"
                )
            )
    return told


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Take over transaction control from pysqlite so BEGIN is ours (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Writers take the write lock at BEGIN (IMMEDIATE), so two writers queue on busy_timeout
    # instead of failing with "database is locked" when a read lock cannot be upgraded.
    if conn.get_execution_options().get("koptrack_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


# Key of the PostgreSQL advisory lock that koptrack's write transactions take (any constant).
PG_WRITE_LOCK = 0x6B6F7074  # "kopt"


def _postgres_begin(conn) -> None:
    # One koptrack writer at a time per database, as on SQLite: every check-then-write in the
    # core (duplicates, open periods) stays free of races. Readers never wait.
    if conn.get_execution_options().get("koptrack_write"):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")


def _postgres_session(dbapi_connection, _record) -> None:
    # koptrack streams long reports through server-side cursors (yield_per) and always reads
    # them to the end; PostgreSQL plans a cursor for its first 10 % of rows by default, which
    # made `bpjs status --kind ksp` at province size 2.4 s instead of 1.3 s.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cur:
        cur.execute("SET cursor_tuple_fraction = 1.0")
    dbapi_connection.autocommit = autocommit


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            prepare_sqlite_file(path)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    elif url.startswith("postgresql"):
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "connect", _postgres_session)
        event.listen(engine, "begin", _postgres_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except (OperationalError, ProgrammingError):
        return None


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (Alembic), in one transaction."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "koptrack.store:migrations")
    with engine.execution_options(koptrack_write=True).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def alembic_head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "koptrack.store:migrations")
    return ScriptDirectory.from_config(cfg).get_current_head()


def model_tables() -> set[str]:
    """The tables of the current models (the schema at SCHEMA_HEAD)."""
    from sqlmodel import SQLModel

    from koptrack.store import models  # noqa: F401  (registers the tables)

    return set(SQLModel.metadata.tables) | {"alembic_version"}


def sqlite_file_state(path: Path) -> str:
    """What the SQLite file at `path` is to koptrack: "missing", "empty" (no file content, or an
    SQLite database without a table) or "koptrack" (alembic_version and the cooperative table,
    complete at the head revision). Anything else (another application's database, a koptrack
    database with tables missing) is a KoptrackError naming the file, which is left untouched."""
    import sqlite3

    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise KoptrackError(
            _("cannot open database {path}: {error}").format(path=repr(str(path)), error=exc.strerror)
        ) from None
    if size == 0:
        return "empty"
    try:
        # mode=rw: never creates the file; reading the schema changes nothing in it
        conn = sqlite3.connect(sqlite_uri(path, "rw"), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise KoptrackError(
            _("cannot open database {path}: {error}").format(path=repr(str(path)), error=exc), hint=_(CHECK_DB)
        ) from None
    tables = {t for t in tables if not t.startswith("sqlite_")}
    if not tables:
        return "empty"
    if "alembic_version" not in tables or "cooperative" not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise KoptrackError(
            _("{path} is not a koptrack database: it holds another application's tables ({tables})").format(
                path=repr(str(path)), tables=shown
            ),
            hint=_("koptrack leaves it as it is; give koptrack its own file with --db or KOPTRACK_DB"),
        )
    if revision == SCHEMA_HEAD:
        missing = sorted(model_tables() - tables)
        if missing:
            raise KoptrackError(
                _("{path} is not a complete koptrack database: table {tables} missing").format(
                    path=repr(str(path)), tables=", ".join(missing)
                ),
                hint=_(RESTORE_INTO_NEW),
            )
    elif revision is not None and known_revision(revision):
        from koptrack.store import maintenance

        # an older database: whole at its revision before it is upgraded (and touched at all)
        maintenance.check_schema(path, revision)
    return "koptrack"


def _checked_url(url: str) -> Path | None:
    """The SQLite file of `url` (None for a server), once the URL is known to be usable: a
    database kind koptrack can open, with its driver installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        u = make_url(url)
        u.get_dialect().import_dbapi()  # an unknown kind, or a driver not installed, fails here
    except (ArgumentError, ValueError):
        raise KoptrackError(
            _("--db {url}: not a database koptrack can open").format(url=repr(url)),
            hint=_("give a file path, or a URL such as postgresql+psycopg://user@host/koptrack"),
        ) from None
    except ImportError as exc:
        raise KoptrackError(
            _("--db {url}: the driver for {driver} is not installed ({module})").format(
                url=repr(describe_url(url)), driver=make_url(url).drivername, module=exc.name
            ),
            hint=_("koptrack works with SQLite files and PostgreSQL (postgresql+psycopg://...)"),
        ) from None
    return sqlite_file(url)


def open_engine(
    db: str | None = None,
    *,
    url: str | None = None,
    on_upgrade: Callable[[str, str], None] | None = None,
    create: bool = True,
    on_create: Callable[[str], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> Engine:
    """Engine for --db / KOPTRACK_DB / the default file, with the schema brought up to date.
    `on_upgrade(old, new)` is told before an existing database's schema is upgraded (the CLI
    says so on stderr). An SQLite file that does not exist yet (or is empty) is created only
    with `create` (the commands that write), and `on_create(path)` is told; without `create`
    it is an error naming the path, and nothing is created. Another application's SQLite file
    is an error, and left as it was. An existing file others may read is made private (0600)
    and `on_notice(message)` is told."""
    url = url or resolve_url(db)
    path = _checked_url(url)
    new = False
    if path is not None:
        state = sqlite_file_state(path)
        if state != "koptrack" and not create:
            raise KoptrackError(
                (
                    _("no koptrack database at {path} (the file is empty)")
                    if state == "empty"
                    else _("no koptrack database at {path}")
                ).format(path=repr(str(path))),
                hint=_(
                    "check --db or KOPTRACK_DB; a command that writes (koptrack seed, coop add, import) creates one"
                ),
            )
        new = state != "koptrack"
        if state != "missing":
            for message in make_private(path):
                if on_notice is not None:
                    on_notice(message)
    try:
        engine = make_engine(url)
        rev = current_revision(engine)
        if rev != SCHEMA_HEAD:
            if rev is not None and not known_revision(rev):
                raise KoptrackError(
                    _("database {url} has schema revision {revision}, newer than this koptrack knows").format(
                        url=describe_url(url), revision=rev
                    ),
                    hint=_(UPGRADE_KOPTRACK),
                )
            if rev is not None and on_upgrade is not None:
                on_upgrade(rev, SCHEMA_HEAD)
            try:
                upgrade(engine)
            except Exception as exc:
                if refusal(exc) is None:
                    raise
                raise KoptrackError(
                    _(
                        "database {url} has schema revision {revision}; this koptrack needs {head}, "
                        "and this database role may not change the schema"
                    ).format(url=describe_url(url), revision=rev, head=SCHEMA_HEAD),
                    hint=_("ask the database owner to run any koptrack command once (docs/deployment.md)"),
                ) from None
    except DatabaseError as exc:  # OperationalError included: unreachable, locked, not a database
        raise KoptrackError(
            _("cannot open database {path}: {error}").format(path=describe_url(url), error=exc.orig),
            hint=_(CHECK_DB),
        ) from None
    if new and on_create is not None:
        on_create(str(path))
    return engine


def known_revision(rev: str) -> bool:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "koptrack.store:migrations")
    try:
        return ScriptDirectory.from_config(cfg).get_revision(rev) is not None
    except Exception:
        return False


def refusal(exc: BaseException) -> KoptrackError | None:
    """A database's refusal of a change this user may not make (PostgreSQL roles and row-level
    security, SQLSTATE 42501) as a KoptrackError; None for anything else. Row-level security
    hides the rows a role may not update instead of refusing them: the ORM's update of a row
    that matched nothing (StaleDataError) is that refusal too."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm.exc import StaleDataError

    hint = _("your database role may write only its own regency's data (see docs/deployment.md)")
    if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == "42501":
        detail = str(exc.orig).strip().splitlines()[0]
        return KoptrackError(_("the database refused this change: {detail}").format(detail=detail), hint=hint)
    if isinstance(exc, StaleDataError):
        if "table '" in str(exc):
            table = str(exc).split("table '", 1)[-1].split("'", 1)[0]
            message = _("the database refused this change: this role may not change that {table} row").format(
                table=table
            )
        else:
            message = _("the database refused this change: this role may not change that row")
        return KoptrackError(message, hint=hint)
    return None


@contextlib.contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One session, one transaction: committed at the end, rolled back on any error."""
    bind = engine.execution_options(koptrack_write=True) if write else engine
    session = Session(bind, expire_on_commit=False)
    try:
        yield session
        if write:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
