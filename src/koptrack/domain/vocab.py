"""The domain's closed lists, defined once: the schema's check constraints (store/models.py),
the parsers (domain/validate.py), the reports and the imports all take them from here.
DOMAIN.md explains each term."""

from __future__ import annotations

COOP_KINDS = ("ksp", "produsen", "konsumen", "pemasaran", "jasa")
COOP_BASES = ("karyawan", "masyarakat", "unknown")
COOP_STATUSES = ("active", "inactive")
ROLES = ("karyawan", "anggota")  # employee (karyawan / pengelola), member (anggota)
CATEGORIES = ("pu", "bpu")  # BPJS participant: wage earner (PU), not a wage earner (BPU)
PROGRAMMES = ("jkk", "jkm", "jht", "jp", "jkp")
EMPLOYER_SIZES = ("micro", "small", "medium", "large")
METRICS = ("bpjs.registered_coops", "bpjs.enrolled_people", "pkspkb.joined", "pkspkb.members")
ANY = "any"  # a segment value meaning "every kind" / "every base" / "every regency"

# The people a cooperative must enroll: its employees (wage earners, PU) whatever its kind, and
# a producer cooperative's members too (informal workers, BPU). DOMAIN.md.
MEMBER_SCOPED_KINDS = ("produsen",)


def in_scope(kind: str, role: str) -> bool:
    return role == "karyawan" or (role == "anggota" and kind in MEMBER_SCOPED_KINDS)
