"""Pure parsing and checking of the domain's identifiers and values.

No database, no I/O: every function takes text and returns a clean value or raises
``ValidationError`` naming the field, the value and the reason. Personal identifiers (NIK, KPJ)
appear in messages only in masked form.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from koptrack import i18n
from koptrack.domain.vocab import (
    CATEGORIES,
    COOP_BASES,
    COOP_KINDS,
    COOP_STATUSES,
    EMPLOYER_SIZES,
    PROGRAMMES,
    ROLES,
)
from koptrack.errors import ValidationError
from koptrack.i18n import N_, _

# Province codes of the Kemendagri numbering (first two NIK digits), including the four
# Papua provinces created in 2022.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 31 32 33 34 35 36 51 52 53 61 62 63 64 65 71 72 73 74 75 76 81 82 "
    "91 92 93 94 95 96".split()
)

_KIND_ALIASES = {
    "ksp": "ksp",
    "sp": "ksp",
    "simpan-pinjam": "ksp",
    "simpan pinjam": "ksp",
    "simpan_pinjam": "ksp",
    "koperasi simpan pinjam": "ksp",
    "produsen": "produsen",
    "koperasi produsen": "produsen",
    "konsumen": "konsumen",
    "koperasi konsumen": "konsumen",
    "pemasaran": "pemasaran",
    "koperasi pemasaran": "pemasaran",
    "jasa": "jasa",
    "koperasi jasa": "jasa",
    # the office's words for the same kinds (UU 25/1992's kinds as Dinkop reports name them)
    "produksi": "produsen",
    "koperasi produksi": "produsen",
    "konsumsi": "konsumen",
    "koperasi konsumsi": "konsumen",
}
# Sharia savings and loan cooperatives are KSPs; the office's word is kept as their label.
_SHARIA_KSP = frozenset(
    (
        "kspps",
        "ksppsyariah",
        "ksps",
        "ksp syariah",
        "kjks",
        "syariah",
        "koperasi syariah",
        "bmt",
        "koperasi simpan pinjam dan pembiayaan syariah",
        "koperasi simpan pinjam syariah",
    )
)
# Labels of purpose or group, not one of the five kinds (DOMAIN.md): kept, the kind asked for.
_COOP_LABELS = frozenset(
    (
        "ksu",
        "koperasi serba usaha",
        "serba usaha",
        "kud",
        "koperasi unit desa",
        "kpri",
        "koperasi pegawai republik indonesia",
        "kopwan",
        "koperasi wanita",
        "kopkar",
        "koperasi karyawan",
        "kopeg",
        "koperasi pegawai",
        "kopontren",
        "koperasi pondok pesantren",
        "kopdes",
        "koperasi desa",
        "kkmp",
        "koperasi desa merah putih",
        "koperasi kelurahan merah putih",
        "koperasi merah putih",
        "primkopad",
        "primkopal",
        "primkopau",
        "primkoppol",
        "koperasi sekolah",
        "kopsis",
    )
)
_BASE_ALIASES = {
    "karyawan": "karyawan",
    "kopkar": "karyawan",
    "koperasi karyawan": "karyawan",
    "masyarakat": "masyarakat",
    "koperasi masyarakat": "masyarakat",
    "unknown": "unknown",
    "": "unknown",
    "-": "unknown",
    "tidak diketahui": "unknown",
}
ROLE_ALIASES = {
    "karyawan": "karyawan",
    "pengelola": "karyawan",
    "pegawai": "karyawan",
    "employee": "karyawan",
    "anggota": "anggota",
    "member": "anggota",
}
# A roster's Jabatan column holds job titles: each means karyawan, and the title is kept as the
# person's position. A title is one of these, or begins with one of JOB_TITLE_WORDS
# ("Karyawan Tetap", "Staf Administrasi", "Kepala Cabang", "Wakil Ketua").
JOB_TITLES = frozenset(
    (
        "ketua",
        "sekretaris",
        "bendahara",
        "manajer",
        "manager",
        "kasir",
        "staf",
        "staff",
        "pengelola",
        "teller",
        "kolektor",
        "juru tagih",
        "juru buku",
        "akuntan",
        "admin",
        "administrasi",
        "satpam",
        "sopir",
        "supir",
        "office boy",
        "pramubakti",
        "direktur",
        "operator",
        "marketing",
        "customer service",
        "supervisor",
        "mantri",
        "account officer",
    )
)
JOB_TITLE_WORDS = frozenset(
    (
        "ketua",
        "wakil",
        "kepala",
        "karyawan",
        "pegawai",
        "staf",
        "staff",
        "manajer",
        "manager",
        "kasir",
        "bendahara",
        "sekretaris",
        "petugas",
        "juru",
        "admin",
        "bagian",
        "direktur",
        "koordinator",
        "asisten",
        "pelaksana",
        "tenaga",
    )
)

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates: allowed in names, but they must never reorder a table.
BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def mask_nik(nik: str) -> str:
    """`3215052801900001` -> `321505******0001`; a value too short to be a NIK is masked whole
    but for its length, so that no part of a mistyped personal number is echoed."""
    s = str(nik)
    if len(s) >= 12:
        return s[:6] + "*" * (len(s) - 10) + s[-4:]
    return "*" * len(s)


def mask_kpj(kpj: str | None) -> str | None:
    """`12345678901` -> `12******901`."""
    if kpj is None:
        return None
    s = str(kpj)
    if len(s) >= 6:
        return s[:2] + "*" * (len(s) - 5) + s[-3:]
    return "*" * len(s)


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province: str
    regency: str  # e.g. "32.15"
    kecamatan: str  # e.g. "32.15.05"
    birth_date: dt.date
    gender: str  # "L" (laki-laki) or "P" (perempuan)
    serial: str


def _pivot_year(yy: int, month: int, day: int, today: dt.date) -> int:
    """Two-digit birth year: the most recent year ending in yy that does not put the birth
    date (day and month included) in the future."""
    year = 2000 + yy
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


_NIK_SEPARATORS = str.maketrans("", "", " .-\u00a0\u2009\u202f")


def nik_digits(value: object) -> str:
    """A NIK as the office writes it, reduced to its digits: spaces, dots and dashes between the
    digit groups (`3215 0552 0390 0001`, `3215.05.520390.0001`) and the leading apostrophe that
    keeps Excel from rounding it (`'3215055203900001`) are dropped; anything else stays, to be
    refused by the checks."""
    s = "" if value is None else str(value).strip()
    if s.startswith(("'", "\u2019")):
        s = s[1:]
    return s.translate(_NIK_SEPARATORS)


def parse_nik(value: object, field: str = "nik", today: dt.date | None = None) -> NikInfo:
    """Check a 16-digit NIK (PP RR DD ddmmyy ssss) and derive birth date and gender."""
    s = nik_digits(value)
    shown = mask_nik(s)
    if not s:
        raise ValidationError(field, "", _("is required"))
    if not s.isdigit() or not s.isascii():
        raise ValidationError(field, shown, _("must contain only digits"))
    if len(s) != 16:
        raise ValidationError(field, shown, _("must have 16 digits, it has {n}").format(n=len(s)))
    prov, reg, kec = s[0:2], s[2:4], s[4:6]
    if prov not in PROVINCE_CODES:
        raise ValidationError(
            field, shown, _("province code {code} (digits 1-2) is not an Indonesian province").format(code=prov)
        )
    if reg == "00":
        raise ValidationError(field, shown, _("regency code (digits 3-4) cannot be 00"))
    if kec == "00":
        raise ValidationError(field, shown, _("kecamatan code (digits 5-6) cannot be 00"))
    day, month, yy = int(s[6:8]), int(s[8:10]), int(s[10:12])
    gender = "L"
    if 41 <= day <= 71:
        day -= 40
        gender = "P"
    if not 1 <= day <= 31:
        raise ValidationError(
            field, shown, _("birth day {day} (digits 7-8) must be 01-31, or 41-71 for women").format(day=s[6:8])
        )
    if not 1 <= month <= 12:
        raise ValidationError(field, shown, _("birth month {month} (digits 9-10) must be 01-12").format(month=s[8:10]))
    today = today or dt.date.today()
    year = _pivot_year(yy, month, day, today)
    try:
        birth = dt.date(year, month, day)
    except ValueError:
        raise ValidationError(
            field,
            shown,
            _("birth date {date} (digits 7-12) does not exist").format(date=f"{day:02d}-{month:02d}-{year}"),
        ) from None
    if s[12:16] == "0000":
        raise ValidationError(field, shown, _("serial (digits 13-16) cannot be 0000"))
    return NikInfo(
        nik=s,
        province=prov,
        regency=f"{prov}.{reg}",
        kecamatan=f"{prov}.{reg}.{kec}",
        birth_date=birth,
        gender=gender,
        serial=s[12:16],
    )


def parse_kpj(value: object, field: str = "kpj") -> str | None:
    """KPJ, the BPJS Ketenagakerjaan participant card number: 11 digits. Empty means none."""
    if value is None or str(value).strip() == "":
        return None
    s = str(value).strip().replace(" ", "")
    if not (s.isascii() and s.isdigit() and len(s) == 11):
        raise ValidationError(field, mask_kpj(s), _("must be 11 digits"))
    return s


def parse_npp(value: object, field: str = "npp") -> str | None:
    """NPP, the employer registration number: 8 letters or digits (unverified). Empty means none."""
    if value is None or str(value).strip() == "":
        return None
    s = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{8}", s):
        raise ValidationError(field, s, _("must be 8 letters or digits"))
    return s


def parse_nik_koperasi(value: object, field: str = "nik-koperasi") -> str | None:
    """Nomor Induk Koperasi from the ministry's Online Data System: 16 digits. Empty means none."""
    if value is None or str(value).strip() == "":
        return None
    s = str(value).strip().replace(" ", "").replace(".", "")
    if not (s.isascii() and s.isdigit() and len(s) == 16):
        raise ValidationError(field, s, _("must be 16 digits"))
    return s


def clean_text(value: object, field: str, *, required: bool = False, max_len: int = 200) -> str | None:
    """Trimmed single-line text. Control characters are refused; empty becomes None."""
    if value is None:
        s = ""
    else:
        s = unicodedata.normalize("NFC", str(value)).strip()
    if not s:
        if required:
            raise ValidationError(field, "", _("is required"))
        return None
    if CONTROL_CHARS.search(s):
        raise ValidationError(field, s.encode("unicode_escape").decode("ascii")[:60], _("contains control characters"))
    if len(s) > max_len:
        raise ValidationError(field, s[:40] + "...", _("is longer than {n} characters").format(n=max_len))
    return " ".join(s.split())


# Characters that show nothing: format characters (zero-width space, joiners, bidi marks and
# overrides, the soft hyphen, the byte order mark, word joiners, invisible operators, tags) and
# the few letters and marks that are blank by design (Hangul fillers, the combining grapheme
# joiner, variation selectors). Removed from names before they are compared or stored, so that
# `KSP\u200bMaju` and `KSP Maju` cannot be two cooperatives.
_INVISIBLE_EXTRA = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u3164\uffa0")


def _invisible(ch: str) -> bool:
    o = ord(ch)
    return (
        unicodedata.category(ch) == "Cf" or ch in _INVISIBLE_EXTRA or 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF
    )


def normalise_name(value: object) -> str:
    """A name as koptrack compares and stores it: NFKC (full-width letters, ligatures and
    compatibility forms folded: `ＫＳＰ` -> `KSP`, `ﬁ` -> `fi`, a no-break space -> a space),
    invisible characters removed, spaces collapsed. Control characters are left for the caller
    to refuse."""
    s = "" if value is None else str(value)
    if s.isascii():
        return " ".join(s.split())
    s = "".join(ch for ch in s if not _invisible(ch))  # first: `e<ZWSP><U+0301>` composes to `é`
    s = unicodedata.normalize("NFKC", s)
    s = "".join(ch for ch in s if not _invisible(ch))  # and what NFKC made of others (U+FFA0 -> U+3164)
    return " ".join(s.split())


def clean_name(value: object, field: str = "name", *, required: bool = True, max_len: int = 200) -> str | None:
    """A cooperative's or a person's name: `normalise_name`, control characters refused, and a
    name made only of invisible characters refused (it would show as nothing)."""
    raw = "" if value is None else str(value)
    if CONTROL_CHARS.search(raw):
        raise ValidationError(
            field, raw.encode("unicode_escape").decode("ascii")[:60], _("contains control characters")
        )
    s = normalise_name(raw)
    if not s:
        if raw.strip():
            raise ValidationError(
                field,
                raw.encode("unicode_escape").decode("ascii")[:60],
                _("has no visible characters (only invisible ones: zero-width spaces, joiners, direction marks)"),
            )
        if required:
            raise ValidationError(field, "", _("is required"))
        return None
    if len(s) > max_len:
        raise ValidationError(field, s[:40] + "...", _("is longer than {n} characters").format(n=max_len))
    return s


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (`CYRILLIC SMALL LETTER A` -> CYRILLIC);
    None for what is not a letter (digits, punctuation, spaces)."""
    if not ch.isalpha():
        return None
    if ch.isascii():
        return "LATIN"
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else None


def mixed_scripts(name: str, field: str = "name") -> str | None:
    """A warning when a name mixes the letters of several scripts (a Cyrillic `а` in a Latin
    name looks the same as `a` but is another letter: the name may only look like another
    one); None otherwise."""
    if name.isascii():
        return None
    scripts: dict[str, str] = {}
    for ch in name:
        script = _script(ch)
        if script is not None:
            scripts.setdefault(script, ch)
    if len(scripts) < 2:
        return None
    main = max(scripts, key=lambda sc: sum(1 for ch in name if _script(ch) == sc))
    others = ", ".join(
        _("{char} is {unicode_name}").format(char=repr(ch), unicode_name=unicodedata.name(ch, f"U+{ord(ch):04X}"))
        for sc, ch in scripts.items()
        if sc != main
    )
    names = [_(SCRIPT_NAMES[sc]) if sc in SCRIPT_NAMES else sc.title() for sc in scripts]
    return _(
        "{field} {name} mixes {scripts} letters ({others}): a look-alike letter makes a name that only looks "
        "like another; check the spelling"
    ).format(field=field, name=repr(name), scripts=_and_list(names), others=others)


# The scripts a look-alike letter most often comes from, by the first word of their Unicode
# names; any other script is shown by that word (`Armenian`).
SCRIPT_NAMES = {
    "LATIN": N_("Latin"),
    "CYRILLIC": N_("Cyrillic"),
    "GREEK": N_("Greek"),
    "ARABIC": N_("Arabic"),
    "HEBREW": N_("Hebrew"),
}


def _and_list(items: list[str]) -> str:
    """`Latin and Cyrillic`, `Latin and Cyrillic and Greek` (every item, in the language)."""
    out = items[0]
    for item in items[1:]:
        out = _("{items} and {item}").format(items=out, item=item)
    return out


# The largest whole number a count or target may be: PostgreSQL's integer (and far above any
# office's figure); anything larger is refused before it reaches the database.
MAX_COUNT = 2_147_483_647


def parse_count(value: object, field: str, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    """A whole number from minimum (0 or 1) to maximum, as typed (`120`; `1_000`, `1e3`, `12.0`
    refused) or as a YAML integer; anything else, a bool, or a number beyond the range is refused
    naming the field."""
    wanted = (
        _("must be a whole number above 0")
        if minimum == 1
        else _("must be a whole number, {minimum} or more").format(minimum=minimum)
    )
    # English has always grouped the largest number with commas (2,147,483,647)
    at_most = _("must be at most {maximum}").format(
        maximum=f"{maximum:,}" if i18n.language() == "en" else i18n.number(maximum)
    )
    if isinstance(value, bool):
        raise ValidationError(field, value, wanted)
    if isinstance(value, int):
        n = value
    else:
        s = "" if value is None else str(value).strip()
        if not (s.isascii() and (s.isdigit() or (s[:1] == "-" and s[1:].isdigit()))):
            raise ValidationError(field, s if len(s) <= 40 else s[:40] + "...", wanted)
        if len(s) > 40:
            raise ValidationError(field, s[:40] + "...", at_most)
        n = int(s)
    shown: object = n if n.bit_length() <= 128 else _("a number of {bits} bits").format(bits=n.bit_length())
    if n < minimum:
        raise ValidationError(field, shown, wanted)
    if n > maximum:
        raise ValidationError(field, shown, at_most)
    return n


_DATE_FORMS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?"), ("y", "m", "d")),
    (re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"), ("d", "m", "y")),
)
# Month names and abbreviations, Indonesian and English: `1 Maret 2020`, `16 Mar 2021`, `5-Agu-2021`.
MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "agus", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}
_NAMED_MONTH = re.compile(r"(\d{1,2})[\s./-]*([a-z]+)\.?[\s./,-]*(\d{4})")
# Excel stores a date as the days since 1899-12-30: a five-digit number in a date column is one
# (10000 = 1927-05-18, 99999 = 2173-10-14); a shorter or longer number is no date.
EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL = re.compile(r"(\d{5})(?:[.,]\d+)?")  # a fraction is the time of day


def parse_date(
    value: object,
    field: str = "date",
    *,
    allow_future: bool = True,
    today: dt.date | None = None,
) -> dt.date:
    """ISO `2021-03-16`, or as the office writes them: `16/03/2021`, `16-03-2021`, `16.03.2021`,
    `1 Maret 2020` (Indonesian or English month names and abbreviations), or an Excel date
    serial (`44271`, a date cell that lost its format)."""
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    else:
        s = "" if value is None else str(value).strip()
        if not s:
            raise ValidationError(field, "", _("is required (a date like 2021-03-16 or 16/03/2021)"))
        d = _text_date(s, field)
    if d.year < 1900:
        raise ValidationError(field, i18n.date(d), _("is before 1900"))
    if not allow_future:
        today = today or dt.date.today()
        if d > today:
            raise ValidationError(
                field, i18n.date(d), _("is in the future (today is {today})").format(today=i18n.date(today))
            )
    return d


def _text_date(s: str, field: str) -> dt.date:
    for pattern, order in _DATE_FORMS:
        m = pattern.fullmatch(s)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            return _ymd(parts["y"], parts["m"], parts["d"], s, field)
    m = _NAMED_MONTH.fullmatch(s.lower())
    if m:
        month = MONTHS.get(m.group(2))
        if month is None:
            raise ValidationError(
                field,
                s,
                _("has no month named {month}; write 2021-03-16, 16/03/2021 or 16 Maret 2021").format(
                    month=repr(m.group(2))
                ),
            )
        return _ymd(int(m.group(3)), month, int(m.group(1)), s, field)
    m = _SERIAL.fullmatch(s)
    if m:
        return EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
    raise ValidationError(field, s, _("is not a date; write 2021-03-16, 16/03/2021 or 16 Maret 2021"))


def _ymd(y: int, m: int, d: int, s: str, field: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise ValidationError(field, s, _("is not a date that exists")) from None


def parse_as_of(value: object, default: dt.date | None = None) -> dt.date:
    """A report's date (`--as-of`): the date given, else `default`, else today."""
    if value:
        return parse_date(value, "as-of")
    return default if default is not None else dt.date.today()


def parse_year(value: object, field: str = "year") -> int:
    s = "" if value is None else str(value).strip()
    if not (s.isdigit() and len(s) == 4 and 1990 <= int(s) <= 2100):
        raise ValidationError(field, s, _("must be a year like 2021"))
    return int(s)


def _from_aliases(value: object, field: str, aliases: dict[str, str], allowed: Iterable[str]) -> str:
    s = "" if value is None else " ".join(str(value).strip().lower().split())
    if s in aliases:
        return aliases[s]
    raise ValidationError(field, str(value), _("must be one of {choices}").format(choices=", ".join(allowed)))


def split_kind_label(value: object, field: str = "kind") -> tuple[str | None, str | None]:
    """What an office writes as a cooperative's jenis, as (kind, label).

    A kind or the office's word for one: `ksp`, `simpan pinjam`, `produksi` (produsen),
    `konsumsi` (konsumen) -> (kind, None). A sharia savings and loan cooperative, `KSPPS`,
    `koperasi syariah`, `syariah` -> ("ksp", the word as written). A label of purpose or group,
    `KSU`, `KUD`, `KPRI`, `Kopwan`, `Kopkar`, ... -> (None, the word as written): it names no
    kind. Empty -> (None, None). Anything else is refused."""
    shown = "" if value is None else " ".join(str(value).split())
    s = shown.lower()
    if not s:
        return None, None
    kind = _KIND_ALIASES.get(s)
    if kind is not None:
        return kind, None
    if s in _SHARIA_KSP:
        return "ksp", shown
    if s in _COOP_LABELS:
        return None, shown
    raise ValidationError(
        field,
        shown,
        _("must be one of {kinds} (or the office's produksi, konsumsi, KSPPS, syariah)").format(
            kinds=", ".join(COOP_KINDS)
        ),
    )


def parse_kind(value: object, field: str = "kind") -> str:
    """Jenis koperasi; `simpan-pinjam` and `ksp` are the same kind, stored as `ksp`; `produksi` is
    produsen, `konsumsi` konsumen, `KSPPS` / `syariah` a KSP. A label (KSU, KUD, KPRI, ...) is
    refused: it does not say which of the five kinds the cooperative is."""
    kind, label = split_kind_label(value, field)
    if kind is not None:
        return kind
    if label is not None:
        raise ValidationError(
            field,
            label,
            _("is a label, not a kind: give the kind ({kinds}); the label is kept").format(kinds=", ".join(COOP_KINDS)),
        )
    raise ValidationError(field, "", _("must be one of {choices}").format(choices=", ".join(COOP_KINDS)))


def parse_base(value: object, field: str = "base") -> str:
    """Membership base: `karyawan` (kopkar), `masyarakat`, or `unknown`."""
    return _from_aliases(value, field, _BASE_ALIASES, COOP_BASES)


def parse_role(value: object, field: str = "role") -> str:
    return _from_aliases(value, field, ROLE_ALIASES, ROLES)


def parse_role_or_title(value: object, field: str = "role") -> tuple[str, str | None]:
    """A roster's role column as (role, position): `karyawan` / `anggota` (and their aliases)
    -> (role, None); a job title (`Ketua`, `Kasir`, `Staf`, `Karyawan Tetap`, `Manajer`, ...) ->
    ("karyawan", the title as written). Anything else is refused."""
    shown = "" if value is None else " ".join(str(value).split())
    s = shown.lower()
    if not s:
        raise ValidationError(field, "", _("is required: {roles} or a job title").format(roles=", ".join(ROLES)))
    if s in ("karyawan", "anggota", "employee", "member", "pegawai"):
        return ROLE_ALIASES[s], None
    first = s.split()[0]
    if s in JOB_TITLES or first in JOB_TITLE_WORDS:
        if CONTROL_CHARS.search(shown) or len(shown) > 100:
            raise ValidationError(field, shown[:40], _("is not a job title koptrack can keep"))
        return "karyawan", shown
    raise ValidationError(
        field,
        shown,
        _("must be one of {roles}, or a job title (Ketua, Kasir, Staf, Manajer, ...) for an employee").format(
            roles=", ".join(ROLES)
        ),
    )


def parse_status(value: object, field: str = "status") -> str:
    aliases = {
        "active": "active",
        "aktif": "active",
        "inactive": "inactive",
        "nonaktif": "inactive",
        "tidak aktif": "inactive",
    }
    return _from_aliases(value, field, aliases, COOP_STATUSES)


def parse_category(value: object, field: str = "category") -> str:
    aliases = {"pu": "pu", "penerima upah": "pu", "bpu": "bpu", "bukan penerima upah": "bpu"}
    return _from_aliases(value, field, aliases, CATEGORIES)


def parse_employer_size(value: object, field: str = "size") -> str | None:
    if value is None or str(value).strip() == "":
        return None
    aliases = {
        "micro": "micro",
        "mikro": "micro",
        "small": "small",
        "kecil": "small",
        "medium": "medium",
        "menengah": "medium",
        "large": "large",
        "besar": "large",
    }
    return _from_aliases(value, field, aliases, EMPLOYER_SIZES)


def parse_programmes(value: object, field: str = "programs") -> tuple[str, ...]:
    """`jkk,jkm,jht` (any case, commas, spaces or `+`) -> ('jht', 'jkk', 'jkm') in canonical order."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        parts = [str(p) for p in value]
    else:
        parts = re.split(r"[,\s+;/]+", str(value))
    out = set()
    for p in parts:
        p = p.strip().lower()
        if not p:
            continue
        if p not in PROGRAMMES:
            raise ValidationError(
                field, p, _("is not a programme; use {programmes}").format(programmes=", ".join(PROGRAMMES))
            )
        out.add(p)
    return tuple(p for p in PROGRAMMES if p in out)


def format_programmes(programmes: Iterable[str]) -> str:
    s = set(programmes)
    return ",".join(p for p in PROGRAMMES if p in s)


# --- kecamatan -----------------------------------------------------------------------------

_KEC_PREFIX = re.compile(r"^(kecamatan|kec\.?)\s*", re.IGNORECASE)


def kecamatan_key(text: object) -> tuple[str, str]:
    """Normalise what a user typed for a kecamatan.

    Returns ("code", "32.15.05") for `32.15.05`, `321505`, `32 15 05`; or ("name", "klari")
    for `Klari`, `klari`, `Kec. Klari`, `Kecamatan  Klari`.
    """
    s = " ".join(str(text or "").strip().split())
    digits = re.sub(r"[.\s-]", "", s)
    if digits.isdigit() and len(digits) == 6:
        return "code", f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"
    s = _KEC_PREFIX.sub("", s)
    return "name", s.lower()


def match_kecamatan(
    text: object,
    choices: Iterable[tuple[str, str]],
    field: str = "kecamatan",
    prefer_regency: str | None = None,
) -> str:
    """Resolve user text against (code, name) pairs; return the code or raise with suggestions.

    A name found in several regencies (a province's data) resolves to the one in
    `prefer_regency` if that is unique, and is refused as ambiguous otherwise.
    """
    choices = list(choices)
    how, key = kecamatan_key(text)
    if not key:
        raise ValidationError(field, "", _("is required"))
    if how == "code":
        for code, _name in choices:
            if code == key:
                return code
        raise ValidationError(field, str(text), _("no kecamatan has code {code}").format(code=key))
    by_name: dict[str, list[str]] = {}
    squeezed: dict[str, list[str]] = {}
    for code, name in dict(choices).items():  # one entry per code
        by_name.setdefault(name.lower(), []).append(code)
        squeezed.setdefault(name.lower().replace(" ", ""), []).append(code)
    codes = by_name.get(key) or squeezed.get(key.replace(" ", ""))
    if codes:
        if len(codes) == 1:
            return codes[0]
        preferred = [c for c in codes if prefer_regency and c.startswith(prefer_regency + ".")]
        if len(preferred) == 1:
            return preferred[0]
        raise ValidationError(
            field,
            str(text),
            _("is ambiguous: kecamatan {codes} have this name; give the code").format(codes=", ".join(sorted(codes))),
        )
    close = difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.6)
    names = {name.lower(): name for _code, name in choices}
    shown = [repr(names[c]) for c in close]
    if len(shown) == 1:
        reason = _("is not a known kecamatan; did you mean {a}?").format(a=shown[0])
    elif len(shown) == 2:
        reason = _("is not a known kecamatan; did you mean {a} or {b}?").format(a=shown[0], b=shown[1])
    elif shown:
        reason = _("is not a known kecamatan; did you mean {a} or {b} or {c}?").format(
            a=shown[0], b=shown[1], c=shown[2]
        )
    else:
        reason = _("is not a known kecamatan; see `koptrack kecamatan list`")
    raise ValidationError(field, str(text), reason)


def parse_regency(value: object, field: str = "regency") -> str | None:
    """`32.15` or `3215` -> `32.15`; `all`, `any` or empty -> None (every regency)."""
    s = "" if value is None else str(value).strip().lower()
    if s in ("", "all", "any", "semua"):
        return None
    digits = s.replace(".", "").replace(" ", "")
    if not (digits.isdigit() and len(digits) == 4 and digits[:2] in PROVINCE_CODES and digits[2:] != "00"):
        raise ValidationError(field, str(value), _("must be a regency code like 32.15, or all"))
    return f"{digits[:2]}.{digits[2:]}"


_BIRTH_CACHE: dict[tuple[str, dt.date, str], tuple[dt.date, str] | str] = {}


def nik_fast(value: str, today: dt.date) -> tuple[str, str, dt.date] | str:
    """Bulk-path NIK check: (nik, gender, birth date), or the reason it is refused.

    The same rules as `parse_nik`, without building exceptions per row: the birth part
    (ddmmyy) is decoded once per distinct value and cached.
    """
    s = value.strip()
    if len(s) != 16 or not s.isdigit() or not s.isascii():
        s = nik_digits(s)  # the rare written forms: `3215 0552 ...`, `'3215...`
    if len(s) != 16 or not s.isdigit() or not s.isascii():
        if not s:
            return _("is required")
        if not (s.isdigit() and s.isascii()):
            return _("must contain only digits")
        return _("must have 16 digits, it has {n}").format(n=len(s))
    if s[0:2] not in PROVINCE_CODES:
        return _("province code {code} (digits 1-2) is not an Indonesian province").format(code=s[0:2])
    if s[2:4] == "00":
        return _("regency code (digits 3-4) cannot be 00")
    if s[4:6] == "00":
        return _("kecamatan code (digits 5-6) cannot be 00")
    # The birth part is checked before the serial, in parse_nik's order, so that both paths give
    # the same reason for a NIK with more than one fault.
    key = (s[6:12], today, i18n.language())  # the reason, in the language it is shown in
    birth = _BIRTH_CACHE.get(key)
    if birth is None:
        try:
            info = parse_nik(s[:12] + "0001", today=today)
            birth = (info.birth_date, info.gender)
        except ValidationError as exc:
            birth = exc.reason
        _BIRTH_CACHE[key] = birth
    if isinstance(birth, str):
        return birth
    if s[12:16] == "0000":
        return _("serial (digits 13-16) cannot be 0000")
    return s, birth[1], birth[0]
