"""The columns an import reads: the names the office's spreadsheets give them (`ALIASES`), the
ones each kind of file must have (`REQUIRED`), and the header row matched to them (`map_headers`)."""

from __future__ import annotations

from collections.abc import Sequence

from koptrack.errors import KoptrackError
from koptrack.io.readers import norm_header

# Column names the office's spreadsheets use, matched case-insensitively with punctuation and
# extra spaces ignored ("No. KPJ" = "no kpj"). The first name of each is koptrack's own.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "nik": ("nik", "no nik", "nomor nik", "nomor induk kependudukan", "no ktp", "nomor ktp", "ktp"),
        "name": ("name", "nama", "nama lengkap", "nama karyawan", "nama anggota", "nama pegawai"),
        "role": ("role", "peran", "jabatan", "status", "status keanggotaan"),
        "since": ("since", "tanggal masuk", "tgl masuk", "tanggal bergabung", "tgl bergabung", "mulai", "sejak"),
        "coop": ("coop", "koperasi", "nama koperasi", "id koperasi", "nik koperasi", "nomor induk koperasi"),
        "kpj": ("kpj", "no kpj", "nomor kpj", "no kartu bpjs", "nomor kartu bpjs"),
        "bpjs_on": ("bpjs on", "bpjs date", "tanggal bpjs", "tgl bpjs", "tanggal daftar bpjs", "tmt bpjs"),
        "programmes": ("programs", "programmes", "program", "program bpjs"),
        "category": ("category", "kategori", "kategori peserta"),
    },
    "coops": {
        "name": ("name", "nama", "nama koperasi"),
        "kind": ("kind", "jenis", "jenis koperasi"),
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


def map_headers(kind: str, headers: Sequence[object]) -> dict[str, int]:
    """koptrack field -> column index; raises naming a missing required column."""
    lookup = {alias: name for name, aliases in ALIASES[kind].items() for alias in aliases}
    mapping: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = lookup.get(norm_header(h))
        if name and name not in mapping:
            mapping[name] = i
    missing = [f for f in REQUIRED[kind] if f not in mapping]
    if missing:
        wanted = "; ".join(f"{f} (or {', '.join(ALIASES[kind][f][1:4])})" for f in missing)
        raise KoptrackError(
            f"the header row has no column for {wanted}",
            hint=f"found columns: {', '.join(str(h) for h in headers)[:300]}",
        )
    return mapping
