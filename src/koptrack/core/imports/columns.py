"""The columns an import reads: the names the office's spreadsheets give them (`ALIASES`), the
ones each kind of file must have (`REQUIRED`), and the header row matched to them (`map_headers`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from koptrack.domain import validate
from koptrack.errors import KoptrackError
from koptrack.io.readers import norm_header

# Column names the office's spreadsheets use, matched case-insensitively with punctuation and
# extra spaces ignored ("No. KPJ" = "no kpj"). The first name of each is koptrack's own.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "nik": ("nik", "no nik", "nomor nik", "nomor induk kependudukan", "no ktp", "nomor ktp", "ktp"),
        "name": ("name", "nama", "nama lengkap", "nama karyawan", "nama anggota", "nama pegawai"),
        "role": ("role", "peran", "status", "status keanggotaan"),
        # a job title (Ketua, Kasir, ...); a Jabatan column is the role column when there is no other
        "position": ("position", "jabatan", "posisi"),
        "since": ("since", "tanggal masuk", "tgl masuk", "tanggal bergabung", "tgl bergabung", "mulai", "sejak"),
        "until": (
            "until",
            "tanggal keluar",
            "tgl keluar",
            "tanggal berhenti",
            "tgl berhenti",
            "sampai",
            "berhenti",
            "keluar",
            "tanggal selesai",
        ),
        "coop": ("coop", "koperasi", "nama koperasi", "id koperasi", "nik koperasi", "nomor induk koperasi"),
        # koptrack's own export: the name beside the id, checked against the cooperative the id names
        "coop_name": ("coop name", "cooperative name"),
        "kpj": ("kpj", "no kpj", "nomor kpj", "no kartu bpjs", "nomor kartu bpjs"),
        "bpjs_on": ("bpjs on", "bpjs date", "tanggal bpjs", "tgl bpjs", "tanggal daftar bpjs", "tmt bpjs"),
        "programmes": ("programs", "programmes", "program", "program bpjs"),
        "category": ("category", "kategori", "kategori peserta"),
    },
    "coops": {
        "name": ("name", "nama", "nama koperasi"),
        "kind": ("kind", "jenis"),
        # the office's label (KSU, KUD, KSPPS, ...); a Jenis Koperasi column is the kind column
        # when there is no other, its labels then asking for the kind
        "label": ("label", "jenis koperasi"),
        "base": ("base", "basis", "basis anggota", "kelompok"),
        "kecamatan": ("kecamatan", "kec"),
        "desa": ("desa", "kelurahan", "desa kelurahan"),
        "legal_no": ("legal no", "no badan hukum", "nomor badan hukum", "badan hukum", "nbh"),
        "nik_koperasi": ("nik koperasi", "nomor induk koperasi", "nik kop"),
        "address": ("address", "alamat"),
        "size": ("size", "skala", "skala usaha"),
        "note": ("note", "catatan", "keterangan"),
    },
}
REQUIRED = {"people": ("nik", "name", "role", "since"), "coops": ("name", "kind", "kecamatan")}
# A required column that another column stands in for when the file has none of its own.
STAND_INS = {"people": {"role": "position"}, "coops": {"kind": "label"}}
# Every column name an import knows, as norm_header gives them: the header row is found by them.
KNOWN = {kind: frozenset(a for aliases in fields.values() for a in aliases) for kind, fields in ALIASES.items()}
_NIK_LIKE = re.compile(r"\d{11,}")


def map_headers(kind: str, headers: Sequence[object]) -> dict[str, int]:
    """koptrack field -> column index; raises naming a missing required column."""
    lookup = {alias: name for name, aliases in ALIASES[kind].items() for alias in aliases}
    mapping: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = lookup.get(norm_header(h))
        if not name:
            continue
        if name in mapping:
            j = mapping[name]
            raise KoptrackError(
                f"columns {j + 1} {_shown(headers[j])!r} and {i + 1} {_shown(h)!r} are both the {name} column",
                hint="delete or rename one of them, so that koptrack knows which to read",
            )
        mapping[name] = i
    for needed, stand_in in STAND_INS[kind].items():
        if needed not in mapping and stand_in in mapping:
            mapping[needed] = mapping.pop(stand_in)
    missing = [f for f in REQUIRED[kind] if f not in mapping]
    if missing:
        wanted = "; ".join(f"{f} (or {', '.join(ALIASES[kind][f][1:4])})" for f in missing)
        raise KoptrackError(
            f"the header row has no column for {wanted}",
            hint=f"found columns: {', '.join(_shown(h) for h in headers)[:300]}",
        )
    return mapping


def _shown(header: object) -> str:
    """A header cell as a message shows it: a NIK or KPJ typed where a header belongs is masked."""
    return _NIK_LIKE.sub(lambda m: validate.mask_nik(m.group()), str(header))
