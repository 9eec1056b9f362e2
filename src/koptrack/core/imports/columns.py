"""The columns an import reads: the names the office's spreadsheets give them (`ALIASES`), the
ones each kind of file must have (`REQUIRED`), and the header row matched to them (`map_headers`).
koptrack's own exports are read back in either language: the headers they write (core/exports.py,
in English and in every language with a catalog) are names of their columns too (`export_aliases`).
A column is named to people by `field_label` (`since` is "tanggal masuk" in Indonesian)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from koptrack import i18n
from koptrack.domain import validate
from koptrack.errors import KoptrackError
from koptrack.i18n import _, pgettext
from koptrack.io.readers import norm_header

# Column names the office's spreadsheets use, matched case-insensitively with punctuation and
# extra spaces ignored ("No. KPJ" = "no kpj"). The first name of each is koptrack's own.
_COOP = ("coop", "koperasi", "nama koperasi", "id koperasi", "nik koperasi", "nomor induk koperasi")
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
        "coop": _COOP,
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
    # a cooperative's registration with BPJS Ketenagakerjaan (`bpjs register`)
    "registrations": {
        "coop": _COOP,
        "coop_name": ("coop name", "cooperative name"),
        "registered_on": (
            "registered on",
            "tanggal daftar",
            "tgl daftar",
            "tanggal pendaftaran",
            "tgl pendaftaran",
            "tanggal terdaftar",
            "tanggal registrasi",
            "tmt",
            "tanggal",
        ),
        "npp": ("npp", "no npp", "nomor npp", "nomor pendaftaran perusahaan"),
        "branch": ("branch", "cabang", "kantor cabang", "kacab", "kantor cabang bpjs"),
        "note": ("note", "catatan", "keterangan"),
    },
    # a cooperative's membership of PKS-PKB (`pkspkb join`, `pkspkb leave`)
    "pkspkb": {
        "coop": _COOP,
        "coop_name": ("coop name", "cooperative name"),
        "joined_on": (
            "joined on",
            "tanggal bergabung",
            "tgl bergabung",
            "tanggal gabung",
            "tgl gabung",
            "tanggal masuk",
            "tgl masuk",
            "tanggal pks",
            "tanggal",
        ),
        "left_on": ("left on", "tanggal keluar", "tgl keluar", "tanggal berhenti", "tgl berhenti", "keluar"),
        "agreement_no": (
            "agreement no",
            "agreement",
            "no perjanjian",
            "nomor perjanjian",
            "no pks",
            "nomor pks",
            "no kerja sama",
            "nomor kerja sama",
        ),
        "note": ("note", "catatan", "keterangan"),
    },
    # yearly targets (`targets set`)
    "targets": {
        "year": ("year", "tahun"),
        "metric": ("metric", "indikator", "metrik"),
        "kind": ("kind", "jenis", "jenis koperasi"),
        "base": ("base", "basis", "basis anggota"),
        "regency": ("regency", "kabupaten", "kabupaten kota", "kab kota", "kode kabupaten"),
        "value": ("value", "target", "nilai", "nilai target", "jumlah"),
        "note": ("note", "catatan", "keterangan", "sumber"),
    },
}
REQUIRED = {
    "people": ("nik", "name", "role", "since"),
    "coops": ("name", "kind", "kecamatan"),
    "registrations": ("coop", "registered_on"),
    "pkspkb": ("coop", "joined_on"),
    "targets": ("year", "metric", "value"),
}
# A required column that another column stands in for when the file has none of its own (a
# cooperative's name read as the cooperative: the export's Nama Koperasi without its ID Koperasi).
STAND_INS: dict[str, dict[str, str]] = {
    "people": {"role": "position", "coop": "coop_name"},
    "coops": {"kind": "label"},
    "registrations": {"coop": "coop_name"},
    "pkspkb": {"coop": "coop_name"},
    "targets": {},
}
# Required columns a file may leave out when it has another: a list of departures (NIK, Nama,
# Tgl Keluar and the cooperative) ends the engagements it names, as `worker leave` does.
WAIVED: dict[str, dict[str, tuple[str, ...]]] = {"people": {"until": ("since", "role")}}
# Every column name an import knows, as norm_header gives them: the header row is found by them.
KNOWN = {kind: frozenset(a for aliases in fields.values() for a in aliases) for kind, fields in ALIASES.items()}
_NIK_LIKE = re.compile(r"\d{11,}")

# The export's columns an import reads back: the export's column key -> the import's field.
EXPORT_FIELDS = {
    "people": {k: k for k in ("nik", "name", "role", "position", "since", "until", "coop", "coop_name")},
    "coops": {
        **{k: k for k in ("name", "kind", "label", "base", "kecamatan", "desa", "legal_no", "nik_koperasi")},
        **{"address": "address", "employer_size": "size", "note": "note"},
    },
    "pkspkb": {k: k for k in ("coop", "coop_name", "joined_on", "left_on", "agreement_no", "note")},
}
# The Indonesian export's headers that ALIASES gives another field (the office's Nama Koperasi is
# its cooperative column; the export's is the name beside ID Koperasi): read as the export's even
# where no catalog is compiled.
EXPORT_NAMES = {"people": {"nama koperasi": "coop_name"}, "coops": {}, "pkspkb": {"nama koperasi": "coop_name"}}
_export_cache: dict[str, dict[str, str]] = {}


def export_aliases(kind: str) -> dict[str, str]:
    """The headers koptrack's own export of `kind` writes (core/exports.py), as norm_header gives
    them, -> the import's field: the column keys (an English CSV), the English headers (an
    xlsx) and their translation in every language with a catalog, so that a file exported in
    one language is read back in the other."""
    found = _export_cache.get(kind)
    if found is None:
        from koptrack.core import exports

        columns = {
            "people": exports.PEOPLE_COLUMNS,
            "coops": exports.COOP_COLUMNS,
            "pkspkb": exports.PKSPKB_COLUMNS,
        }.get(kind, [])
        fields = EXPORT_FIELDS.get(kind, {})
        catalogs = []
        for lang in i18n.LANGUAGES:
            try:
                catalogs.append(i18n.translations(lang))
            except OSError:  # no compiled catalog for it (a source tree never compiled)
                continue
        found = dict(EXPORT_NAMES.get(kind, {}))
        for col in columns:
            field = fields.get(col.key)
            if field is None:
                continue
            found[norm_header(col.key)] = field
            for catalog in catalogs:
                found[norm_header(catalog.gettext(col.header))] = field
        _export_cache[kind] = found
    return found


def known(kind: str) -> frozenset[str]:
    """Every column name an import of `kind` knows: the header row is found by them."""
    return KNOWN[kind] | frozenset(export_aliases(kind))


def field_label(field: str) -> str:
    """An import's field as a person reads it in a message (`since`: "tanggal masuk" in
    Indonesian); in English, the field's own name."""
    labels = _labels.get(i18n.language())
    if labels is None:
        labels = _labels[i18n.language()] = {
            # Translators: the columns of an import file, named in refused-rows reasons
            # ("since: is required"); say them as the office's spreadsheets name them.
            "nik": pgettext("import column", "nik"),
            "name": pgettext("import column", "name"),
            "role": pgettext("import column", "role"),
            "position": pgettext("import column", "position"),
            "since": pgettext("import column", "since"),
            "until": pgettext("import column", "until"),
            "coop": pgettext("import column", "coop"),
            "coop_name": pgettext("import column", "coop_name"),
            "kpj": pgettext("import column", "kpj"),
            "bpjs_on": pgettext("import column", "bpjs_on"),
            "programmes": pgettext("import column", "programmes"),
            "category": pgettext("import column", "category"),
            "kind": pgettext("import column", "kind"),
            "label": pgettext("import column", "label"),
            "base": pgettext("import column", "base"),
            "kecamatan": pgettext("import column", "kecamatan"),
            "desa": pgettext("import column", "desa"),
            "legal_no": pgettext("import column", "legal_no"),
            "nik_koperasi": pgettext("import column", "nik_koperasi"),
            "address": pgettext("import column", "address"),
            "size": pgettext("import column", "size"),
            "note": pgettext("import column", "note"),
            "registered_on": pgettext("import column", "registered_on"),
            "npp": pgettext("import column", "npp"),
            "branch": pgettext("import column", "branch"),
            "joined_on": pgettext("import column", "joined_on"),
            "left_on": pgettext("import column", "left_on"),
            "agreement_no": pgettext("import column", "agreement_no"),
            "year": pgettext("import column", "year"),
            "metric": pgettext("import column", "metric"),
            "regency": pgettext("import column", "regency"),
            "value": pgettext("import column", "value"),
        }
    return labels.get(field, field)


_labels: dict[str, dict[str, str]] = {}


def map_headers(kind: str, headers: Sequence[object]) -> dict[str, int]:
    """koptrack field -> column index; raises naming a missing required column. The headers of
    koptrack's own export count before the office's names (the export's Nama Koperasi is the
    cooperative's name beside its ID Koperasi; alone, it stands in for the cooperative)."""
    lookup = {alias: name for name, aliases in ALIASES[kind].items() for alias in aliases}
    lookup.update(export_aliases(kind))
    mapping: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = lookup.get(norm_header(h))
        if not name:
            continue
        if name in mapping:
            j = mapping[name]
            raise KoptrackError(
                _("columns {first} {first_name} and {second} {second_name} are both the {field} column").format(
                    first=j + 1,
                    first_name=repr(_shown(headers[j])),
                    second=i + 1,
                    second_name=repr(_shown(h)),
                    field=field_label(name),
                ),
                hint=_("delete or rename one of them, so that koptrack knows which to read"),
            )
        mapping[name] = i
    for needed, stand_in in STAND_INS[kind].items():
        if needed not in mapping and stand_in in mapping:
            mapping[needed] = mapping.pop(stand_in)
    waived = {f for present, fields in WAIVED.get(kind, {}).items() if present in mapping for f in fields}
    missing = [f for f in REQUIRED[kind] if f not in mapping and f not in waived]
    if missing:
        wanted = "; ".join(
            _("{field} (or {names})").format(field=field_label(f), names=", ".join(ALIASES[kind][f][1:4]))
            for f in missing
        )
        raise KoptrackError(
            _("the header row has no column for {columns}").format(columns=wanted),
            hint=_("found columns: {columns}").format(columns=", ".join(_shown(h) for h in headers)[:300]),
        )
    return mapping


def _shown(header: object) -> str:
    """A header cell as a message shows it: a NIK or KPJ typed where a header belongs is masked."""
    return _NIK_LIKE.sub(lambda m: validate.mask_nik(m.group()), str(header))
