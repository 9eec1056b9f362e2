"""The tables. Constraints (unique, foreign keys, checks) live in the schema itself.

Dates are calendar dates (`date`), timestamps are UTC. Open-ended periods (an engagement still
running, a registration not yet ended) have NULL as their end; partial unique indexes allow only
one open period per subject. The same definitions run on SQLite and PostgreSQL.
"""

import datetime as dt
from typing import Optional

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Explicit constraint names keep Alembic migrations stable across engines.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

METRICS = ("bpjs.registered_coops", "bpjs.enrolled_people", "pkspkb.joined", "pkspkb.members")
ANY = "any"  # segment value meaning "every kind" / "every base"


def utcnow() -> dt.datetime:
    """Timestamps are stored as naive UTC (the same on SQLite and PostgreSQL)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


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
    province: Optional[str] = None


class Kecamatan(SQLModel, table=True):
    __tablename__ = "kecamatan"
    code: str = Field(primary_key=True, max_length=8)  # "32.15.05" (Kemendagri)
    name: str = Field(index=True)
    regency_code: str = Field(foreign_key="regency.code", index=True, max_length=5)
    __table_args__ = (UniqueConstraint("regency_code", "name"),)


class Source(SQLModel, table=True):
    """A document a fact comes from: a news article, an MoU, a regulation, an office report."""

    __tablename__ = "source"
    key: str = Field(primary_key=True)
    kind: str
    title: str
    reference: Optional[str] = None  # document numbers, e.g. "12/KB/M.KUKM/XI/2020"
    issued_on: Optional[dt.date] = None
    location: Optional[str] = None
    note: Optional[str] = Field(default=None, sa_column=Column(Text))


class Programme(SQLModel, table=True):
    """A BPJS Ketenagakerjaan programme (JKK, JKM, JHT, JP, JKP)."""

    __tablename__ = "programme"
    code: str = Field(primary_key=True, max_length=8)
    name: str
    pu_rate: Optional[str] = None
    paid_by: Optional[str] = None
    legal_basis: Optional[str] = None
    verified: bool = False


class ProgrammeRule(SQLModel, table=True):
    """Mandatory programmes for a participant category (and employer size, for PU)."""

    __tablename__ = "programme_rule"
    id: Optional[int] = Field(default=None, primary_key=True)
    category: str  # pu | bpu
    employer_size: str = ANY  # any | micro | small | medium | large
    programmes: str  # "jkk,jkm"
    legal_basis: Optional[str] = None
    verified: bool = False
    __table_args__ = (
        UniqueConstraint("category", "employer_size"),
        CheckConstraint("category IN ('pu', 'bpu')", name="category"),
    )


class Cooperative(SQLModel, table=True):
    __tablename__ = "cooperative"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    kind: str = Field(index=True)
    base: str = Field(default="unknown", index=True)
    kecamatan_code: str = Field(foreign_key="kecamatan.code", index=True, max_length=8)
    desa: Optional[str] = None
    legal_no: Optional[str] = Field(default=None, unique=True)
    nik_koperasi: Optional[str] = Field(default=None, unique=True, max_length=16)
    address: Optional[str] = None
    employer_size: Optional[str] = None
    status: str = Field(default="active", index=True)
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    source_key: Optional[str] = Field(default=None, foreign_key="source.key")
    created_at: dt.datetime = _stamp()
    updated_at: dt.datetime = _stamp()
    __table_args__ = (
        UniqueConstraint("name", "kecamatan_code"),
        # Cooperatives are named in commands and import files case-insensitively (resolve_coop).
        Index("ix_cooperative_name_lower", text("lower(name)")),
        CheckConstraint(_in("kind", ("ksp", "produsen", "konsumen", "pemasaran", "jasa")), name="kind"),
        CheckConstraint(_in("base", ("karyawan", "masyarakat", "unknown")), name="base"),
        CheckConstraint(_in("status", ("active", "inactive")), name="status"),
        CheckConstraint(
            "employer_size IS NULL OR " + _in("employer_size", ("micro", "small", "medium", "large")),
            name="employer_size",
        ),
    )


class Person(SQLModel, table=True):
    __tablename__ = "person"
    id: Optional[int] = Field(default=None, primary_key=True)
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
    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    role: str
    since: dt.date
    until: Optional[dt.date] = None
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint("role IN ('karyawan', 'anggota')", name="role"),
        CheckConstraint("until IS NULL OR until >= since", name="period"),
        # Covers the coverage reports: people in scope of a cooperative (coop_id, role) and the
        # join from each of its enrollments (coop_id, role, person_id), read from the index alone.
        Index("ix_engagement_scope", "coop_id", "role", "person_id", "since", "until"),
        _open_unique("ux_engagement_open", "person_id", "coop_id", "role", end="until"),
    )


class BpjsRegistration(SQLModel, table=True):
    """A cooperative's own registration with BPJS Ketenagakerjaan (as employer / collector)."""

    __tablename__ = "bpjs_registration"
    id: Optional[int] = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    registered_on: dt.date
    deregistered_on: Optional[dt.date] = None
    npp: Optional[str] = Field(default=None, max_length=8)
    branch: Optional[str] = None
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    source_key: Optional[str] = Field(default=None, foreign_key="source.key")
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint("deregistered_on IS NULL OR deregistered_on >= registered_on", name="period"),
        Index("ix_bpjs_registration_coop_dates", "coop_id", "registered_on", "deregistered_on"),
        _open_unique("ux_bpjs_registration_open", "coop_id", end="deregistered_on"),
    )


class Enrollment(SQLModel, table=True):
    """A person enrolled in BPJS Ketenagakerjaan through a cooperative."""

    __tablename__ = "enrollment"
    id: Optional[int] = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    kpj: Optional[str] = Field(default=None, max_length=11, index=True)
    category: str
    programmes: str  # canonical "jkk,jkm,jht"
    # Mandatory programmes this enrollment lacked when it was recorded ("" = none): the flag
    # reports count, checked against the programme rules in force at that time.
    missing_programmes: str = ""
    start_on: dt.date
    end_on: Optional[dt.date] = None
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint("category IN ('pu', 'bpu')", name="category"),
        CheckConstraint("end_on IS NULL OR end_on >= start_on", name="period"),
        # Covers the coverage reports: a cooperative's enrollments running on a day, with their flag.
        Index("ix_enrollment_coverage", "coop_id", "start_on", "end_on", "person_id", "missing_programmes"),
        _open_unique("ux_enrollment_open", "person_id", "coop_id", end="end_on"),
    )


class PkspkbMembership(SQLModel, table=True):
    """A cooperative's participation in PKS-PKB (motor-vehicle tax cooperation, Samsat Jabar)."""

    __tablename__ = "pkspkb_membership"
    id: Optional[int] = Field(default=None, primary_key=True)
    coop_id: int = Field(foreign_key="cooperative.id")
    joined_on: dt.date
    left_on: Optional[dt.date] = None
    agreement_no: Optional[str] = None
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    created_at: dt.datetime = _stamp()
    __table_args__ = (
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="period"),
        Index("ix_pkspkb_membership_coop_dates", "coop_id", "joined_on", "left_on"),
        Index("ix_pkspkb_membership_joined_on", "joined_on"),
        _open_unique("ux_pkspkb_membership_open", "coop_id", end="left_on"),
    )


class Target(SQLModel, table=True):
    """A yearly goal for one metric in one segment (kind and/or base; `any` for all)."""

    __tablename__ = "target"
    id: Optional[int] = Field(default=None, primary_key=True)
    year: int
    metric: str
    kind: str = ANY
    base: str = ANY
    regency: str = ANY  # "32.15", or any: the whole database
    value: int
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    source_key: Optional[str] = Field(default=None, foreign_key="source.key")
    __table_args__ = (
        UniqueConstraint("year", "metric", "kind", "base", "regency"),
        CheckConstraint(_in("metric", METRICS), name="metric"),
        CheckConstraint("value > 0", name="value"),
    )


class ReportedCount(SQLModel, table=True):
    """A figure from an office report without a list of names (e.g. 2020 PKS-PKB joins)."""

    __tablename__ = "reported_count"
    id: Optional[int] = Field(default=None, primary_key=True)
    year: int
    metric: str
    kind: str = ANY
    base: str = ANY
    regency: str = ANY
    value: int
    note: Optional[str] = Field(default=None, sa_column=Column(Text))
    source_key: Optional[str] = Field(default=None, foreign_key="source.key")
    __table_args__ = (
        UniqueConstraint("year", "metric", "kind", "base", "regency"),
        CheckConstraint(_in("metric", METRICS), name="metric"),
        CheckConstraint("value >= 0", name="value"),
    )


class AuditEntry(SQLModel, table=True):
    """Append-only record of every write: who, when, which command, what changed (masked)."""

    __tablename__ = "audit_log"
    id: Optional[int] = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=DateTime(), index=True)
    os_user: str
    command: str
    entity: str
    entity_id: Optional[str] = None
    coop_id: Optional[int] = Field(default=None, index=True)
    summary: Optional[str] = Field(default=None, sa_column=Column(Text))
