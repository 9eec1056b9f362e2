"""The tables. Constraints (unique, foreign keys, checks) live in the schema itself.

Dates are calendar dates (`date`), timestamps are UTC. Open-ended periods (an engagement still
running, a registration not yet ended) have NULL as their end; partial unique indexes allow only
one open period per subject. The same definitions run on SQLite and PostgreSQL.
"""

import datetime as dt

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from koptrack.domain.vocab import (
    ANY,
    CATEGORIES,
    COOP_BASES,
    COOP_KINDS,
    COOP_STATUSES,
    EMPLOYER_SIZES,
    METRICS,
    ROLES,
)

# Explicit constraint names keep Alembic migrations stable across engines.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


RULES_SINCE = dt.date(2015, 7, 1)


def utcnow() -> dt.datetime:
    """Timestamps are stored as naive UTC (the same on SQLite and PostgreSQL)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _stamp():
    return Field(default_factory=utcnow, sa_type=DateTime())


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _open_unique(name: str, *cols: str, end: str) -> Index:
    """At most one row per `cols` whose `end` column is NULL (an open period)."""
    where = text(f"{end} IS NULL")
    return Index(name, *cols, unique=True, sqlite_where=where, postgresql_where=where)


class Regency(SQLModel, table=True):
    __tablename__ = "regency"
    code: str = Field(primary_key=True, max_length=5)  # "32.15"
    name: str
    province: str | None = None


class Kecamatan(SQLModel, table=True):
    __tablename__ = "kecamatan"
    code: str = Field(primary_key=True, max_length=8)  # "32.15.05" (Kemendagri)
    name: str = Field(index=True)
    regency_code: str = Field(foreign_key="regency.code", index=True, max_length=5)
    __table_args__ = (UniqueConstraint("regency_code", "name"),)


class KecamatanAlias(SQLModel, table=True):
    """Another spelling of a kecamatan's name (BPS's, an older Kemendagri list's, a common typing):
    resolved to the kecamatan as its own name is."""

    __tablename__ = "kecamatan_alias"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(foreign_key="kecamatan.code", index=True, max_length=8)
    alias: str
    __table_args__ = (UniqueConstraint("code", "alias"),)


class Source(SQLModel, table=True):
    """A document a fact comes from: a news article, an MoU, a regulation, an office report."""

    __tablename__ = "source"
    key: str = Field(primary_key=True)
    kind: str
    title: str
    reference: str | None = None  # document numbers, e.g. "12/KB/M.KUKM/XI/2020"
    issued_on: dt.date | None = None
    location: str | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))


class Programme(SQLModel, table=True):
    """A BPJS Ketenagakerjaan programme (JKK, JKM, JHT, JP, JKP)."""

    __tablename__ = "programme"
    code: str = Field(primary_key=True, max_length=8)
    name: str
    pu_rate: str | None = None
    paid_by: str | None = None
    legal_basis: str | None = None
    verified: bool = False


class ProgrammeRate(SQLModel, table=True):
    """A programme's contribution rate for a category, from the day it holds (`valid_from`) until
    the next rate of the same programme and category: rates change with regulations (JKP 0.46 %
    under PP 37/2021, 0.36 % from February 2025 under PP 6/2025)."""

    __tablename__ = "programme_rate"
    id: int | None = Field(default=None, primary_key=True)
    programme: str = Field(foreign_key="programme.code", max_length=8)
    category: str = "pu"
    valid_from: dt.date
    rate: str
    legal_basis: str | None = None
    verified: bool = False
    __table_args__ = (
        UniqueConstraint("programme", "category", "valid_from"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
    )


class ProgrammeRule(SQLModel, table=True):
    """Mandatory programmes for a participant category (and employer size, for PU)."""

    __tablename__ = "programme_rule"
    id: int | None = Field(default=None, primary_key=True)
    category: str  # pu | bpu
    employer_size: str = ANY  # any | micro | small | medium | large
    programmes: str  # "jkk,jkm"
    legal_basis: str | None = None
    verified: bool = False
    # The day the rule holds from (default: 1 July 2015, when BPJS Ketenagakerjaan began running
    # the programmes under PP 44/2015 and PP 45/2015); a later rule of the same category and size
    # replaces it from its own day.
    valid_from: dt.date = Field(default=RULES_SINCE, sa_column_kwargs={"server_default": RULES_SINCE.isoformat()})
    __table_args__ = (
        UniqueConstraint("category", "employer_size", "valid_from"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
    )


class Cooperative(SQLModel, table=True):
    __tablename__ = "cooperative"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str = Field(index=True)
    base: str = Field(default="unknown", index=True)
    kecamatan_code: str = Field(foreign_key="kecamatan.code", index=True, max_length=8)
    desa: str | None = None
    legal_no: str | None = Field(default=None, unique=True)
    nik_koperasi: str | None = Field(default=None, unique=True, max_length=16)
    address: str | None = None
    employer_size: str | None = None
    # The office's label of purpose or group (KSU, KUD, KPRI, Kopwan, Kopkar, KSPPS...): kept as
    # written, beside the kind, which is one of the five.
    label: str | None = None
    # The status today, kept in step with the dated periods of CoopInactive (reports use those).
    status: str = Field(default="active", index=True)
    note: str | None = Field(default=None, sa_column=Column(Text))
    source_key: str | None = Field(default=None, foreign_key="source.key")
    created_at: dt.datetime = _stamp()
    updated_at: dt.datetime = _stamp()
    __table_args__ = (
        UniqueConstraint("name", "kecamatan_code"),
        # Cooperatives are named in commands and import files case-insensitively (resolve_coop).
        Index("ix_cooperative_name_lower", text("lower(name)")),
        CheckConstraint(_in("kind", COOP_KINDS), name="kind"),
        CheckConstraint(_in("base", COOP_BASES), name="base"),
        CheckConstraint(_in("status", COOP_STATUSES), name="status"),
        CheckConstraint(
            "employer_size IS NULL OR " + _in("employer_size", EMPLOYER_SIZES),
            name="employer_size",
        ),
    )


class CoopInactive(SQLModel, table=True):
    """A period in which a cooperative was inactive (deactivated `since`, reactivated `until`).
    Every report counts a cooperative as it was on the report's date."""

    __tablename__ = "coop_inactive"
    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    since: dt.date
    until: dt.date | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint("until IS NULL OR until > since", name="period"),
        Index("ix_coop_inactive_coop_dates", "coop_id", "since", "until"),
        _open_unique("ux_coop_inactive_open", "coop_id", end="until"),
    )


class Person(SQLModel, table=True):
    __tablename__ = "person"
    id: int | None = Field(default=None, primary_key=True)
    nik: str = Field(unique=True, max_length=16)
    name: str
    gender: str  # L | P, from the NIK
    birth_date: dt.date  # from the NIK
    created_at: dt.datetime = _stamp()
    updated_at: dt.datetime = _stamp()
    __table_args__ = (CheckConstraint("gender IN ('L', 'P')", name="gender"),)


class Engagement(SQLModel, table=True):
    """A person working for (karyawan) or belonging to (anggota) a cooperative, over a period."""

    __tablename__ = "engagement"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    role: str
    # The job title as the roster gives it (Ketua, Kasir, Staf, Manajer...) for a karyawan.
    position: str | None = None
    since: dt.date
    until: dt.date | None = None
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("until IS NULL OR until >= since", name="period"),
        # Covers the coverage reports: people in scope of a cooperative (coop_id, role) and the
        # join from each of its enrollments (coop_id, role, person_id), read from the index alone.
        Index("ix_engagement_scope", "coop_id", "role", "person_id", "since", "until"),
        _open_unique("ux_engagement_open", "person_id", "coop_id", "role", end="until"),
    )


class BpjsRegistration(SQLModel, table=True):
    """A cooperative's own registration with BPJS Ketenagakerjaan (as employer / collector)."""

    __tablename__ = "bpjs_registration"
    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    registered_on: dt.date
    deregistered_on: dt.date | None = None
    npp: str | None = Field(default=None, max_length=8)
    branch: str | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    source_key: str | None = Field(default=None, foreign_key="source.key")
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint("deregistered_on IS NULL OR deregistered_on >= registered_on", name="period"),
        Index("ix_bpjs_registration_coop_dates", "coop_id", "registered_on", "deregistered_on"),
        _open_unique("ux_bpjs_registration_open", "coop_id", end="deregistered_on"),
    )


class Enrollment(SQLModel, table=True):
    """A person enrolled in BPJS Ketenagakerjaan through a cooperative."""

    __tablename__ = "enrollment"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    kpj: str | None = Field(default=None, max_length=11, index=True)
    category: str
    programmes: str  # canonical "jkk,jkm,jht"
    # Mandatory programmes this enrollment lacked when it was recorded ("" = none): the flag
    # reports count, checked against the programme rules in force at that time.
    missing_programmes: str = ""
    start_on: dt.date
    end_on: dt.date | None = None
    # The date and file name of the BPJS participant list that last confirmed it
    # (`bpjs reconcile --apply`); NULL: only declared.
    verified_on: dt.date | None = Field(default=None, index=True)
    verified_by: str | None = None
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint("end_on IS NULL OR end_on >= start_on", name="period"),
        # Covers the coverage reports: a cooperative's enrollments running on a day, with their flag.
        Index("ix_enrollment_coverage", "coop_id", "start_on", "end_on", "person_id", "missing_programmes"),
        _open_unique("ux_enrollment_open", "person_id", "coop_id", end="end_on"),
    )


class PkspkbMembership(SQLModel, table=True):
    """A cooperative's participation in PKS-PKB (motor-vehicle tax cooperation, Samsat Jabar)."""

    __tablename__ = "pkspkb_membership"
    id: int | None = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    joined_on: dt.date
    left_on: dt.date | None = None
    agreement_no: str | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="period"),
        Index("ix_pkspkb_membership_coop_dates", "coop_id", "joined_on", "left_on"),
        Index("ix_pkspkb_membership_joined_on", "joined_on"),
        _open_unique("ux_pkspkb_membership_open", "coop_id", end="left_on"),
    )


class _SegmentFigure(SQLModel):
    """A figure for one year, metric and segment (kind, base, regency; `any` for all): the
    columns a target and a reported count share."""

    id: int | None = Field(default=None, primary_key=True)
    year: int
    metric: str
    kind: str = ANY
    base: str = ANY
    regency: str = ANY  # "32.15", or any: the whole database
    value: int
    note: str | None = Field(default=None, sa_type=Text)
    source_key: str | None = Field(default=None, foreign_key="source.key")


class Target(_SegmentFigure, table=True):
    """A yearly goal for one metric in one segment."""

    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("year", "metric", "kind", "base", "regency"),
        CheckConstraint(_in("metric", METRICS), name="metric"),
        CheckConstraint("value > 0", name="value"),
    )


class ReportedCount(_SegmentFigure, table=True):
    """A figure from an office report without a list of names (e.g. 2020 PKS-PKB joins)."""

    __tablename__ = "reported_count"
    __table_args__ = (
        UniqueConstraint("year", "metric", "kind", "base", "regency"),
        CheckConstraint(_in("metric", METRICS), name="metric"),
        CheckConstraint("value >= 0", name="value"),
    )


class AuditEntry(SQLModel, table=True):
    """Append-only record of every write: who, when, which command, what changed (masked)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(), index=True)
    os_user: str
    command: str
    entity: str
    entity_id: str | None = None
    coop_id: int | None = Field(default=None, index=True)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    # What `koptrack undo` needs to reverse the change (JSON: the rows before and after). It may
    # hold full identifiers, like the tables it describes; never shown by `koptrack log`.
    undo: str | None = Field(default=None, sa_column=Column(Text))
    # The database role that wrote the entry: on PostgreSQL set by a trigger to the server
    # session's user (whatever the client sends), with `at` from the server's clock; NULL on
    # SQLite. `os_user` is what the desk's koptrack says.
    db_user: str | None = None


class OfficeRegency(SQLModel, table=True):
    """PostgreSQL: the regency an office's database role may write (migration 0006's row-level
    security reads it). Only the owner writes it; an office cannot change its own regency."""

    __tablename__ = "office_regency"
    role_name: str = Field(primary_key=True)
    regency_code: str = Field(foreign_key="regency.code", max_length=5)
