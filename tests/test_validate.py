"""The validators are pure functions: properties over generated input (hypothesis), plus the
cases an office meets. A refusal names the field and never echoes a full NIK or KPJ."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from koptrack.domain import validate
from koptrack.errors import ValidationError

TODAY = dt.date(2026, 11, 25)
PROVINCES = sorted(validate.PROVINCE_CODES)
settings.register_profile("koptrack", max_examples=200, deadline=None)
settings.load_profile("koptrack")


def build_nik(province: str, regency: int, kecamatan: int, birth: dt.date, woman: bool, serial: int) -> str:
    day = birth.day + (40 if woman else 0)
    return f"{province}{regency:02d}{kecamatan:02d}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


births = st.dates(min_value=dt.date(TODAY.year - 99, 1, 1), max_value=TODAY)
niks = st.builds(
    build_nik,
    st.sampled_from(PROVINCES),
    st.integers(1, 99),
    st.integers(1, 99),
    births,
    st.booleans(),
    st.integers(1, 9999),
)


@given(st.sampled_from(PROVINCES), st.integers(1, 99), st.integers(1, 99), births, st.booleans(), st.integers(1, 9999))
def test_a_nik_gives_back_the_birth_date_and_gender_it_was_built_from(province, regency, kec, birth, woman, serial):
    nik = build_nik(province, regency, kec, birth, woman, serial)
    info = validate.parse_nik(nik, today=TODAY)
    assert (info.birth_date, info.gender) == (birth, "P" if woman else "L")
    assert info.nik == nik and info.kecamatan == f"{province}.{regency:02d}.{kec:02d}"
    assert validate.nik_fast(nik, TODAY) == (nik, info.gender, birth)  # the import's fast path agrees


@given(st.text(max_size=30))
def test_anything_but_sixteen_digits_is_refused_by_both_paths(text):
    s = text.strip().replace(" ", "").replace(".", "")
    assume(not (len(s) == 16 and s.isascii() and s.isdigit()))
    with pytest.raises(ValidationError) as exc:
        validate.parse_nik(text, today=TODAY)
    assert exc.value.field == "nik"
    assert isinstance(validate.nik_fast(text.replace(" ", "").replace(".", ""), TODAY), str)


@given(niks, st.sampled_from(["province", "day", "month", "serial", "regency"]))
def test_a_broken_part_is_refused_and_the_message_never_shows_the_whole_nik(nik, part):
    broken = {
        "province": lambda n: "99" + n[2:],
        "day": lambda n: n[:6] + "35" + n[8:],
        "month": lambda n: n[:8] + "13" + n[10:],
        "serial": lambda n: n[:12] + "0000",
        "regency": lambda n: n[:2] + "00" + n[4:],
    }[part](nik)
    with pytest.raises(ValidationError) as exc:
        validate.parse_nik(broken, today=TODAY)
    assert broken not in str(exc.value) and broken not in repr(exc.value.value)
    assert validate.mask_nik(broken) in str(exc.value)
    assert validate.nik_fast(broken, TODAY) == exc.value.reason  # same rule, same reason


def test_thirtieth_of_february_and_a_woman_born_on_the_thirty_first():
    with pytest.raises(ValidationError, match="does not exist"):
        validate.parse_nik("3215053002900001", today=TODAY)
    info = validate.parse_nik("3215057101900002", today=TODAY)
    assert (info.birth_date, info.gender) == (dt.date(1990, 1, 31), "P")
    assert validate.parse_nik("3215 0571 0190 0002", today=TODAY).nik == "3215057101900002"


@given(st.text(alphabet="0123456789", min_size=12, max_size=20))
def test_masking_keeps_six_and_four_and_hides_the_rest(digits):
    masked = validate.mask_nik(digits)
    assert len(masked) == len(digits)
    assert masked[:6] == digits[:6] and masked[-4:] == digits[-4:]
    assert set(masked[6:-4]) <= {"*"}


def test_masks_from_the_brief():
    assert validate.mask_nik("3215050101900001") == "321505******0001"
    assert validate.mask_kpj("12345678901") == "12******901"
    assert validate.mask_nik("12345") == "*****"  # too short to be a NIK: nothing of it shown


@given(st.text(max_size=15))
def test_kpj_is_eleven_digits_and_never_echoed(text):
    s = text.strip().replace(" ", "")
    if not s:
        assert validate.parse_kpj(text) is None
    elif len(s) == 11 and s.isascii() and s.isdigit():
        assert validate.parse_kpj(text) == s
    else:
        with pytest.raises(ValidationError) as exc:
            validate.parse_kpj(text)
        assert exc.value.field == "kpj"
        if len(s) >= 6 and "*" not in s:  # a value already starred where the mask stars (00*000) masks to itself
            assert s not in str(exc.value)


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_nik_koperasi_is_sixteen_digits(digits):
    if len(digits) == 16:
        assert validate.parse_nik_koperasi(digits) == digits
    else:
        with pytest.raises(ValidationError, match="nik-koperasi"):
            validate.parse_nik_koperasi(digits)


@pytest.mark.parametrize(
    "value, ok", [("ab123456", "AB123456"), ("12345678", "12345678"), ("AB12345", None), ("AB-12345", None), ("", "")]
)
def test_npp(value, ok):
    if ok is None:
        with pytest.raises(ValidationError, match="npp"):
            validate.parse_npp(value)
    else:
        assert validate.parse_npp(value) == (ok or None)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dates_in_every_written_form_mean_the_same_day(day):
    forms = [day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d-%m-%Y"), f"{day.day}/{day.month}/{day.year}"]
    assert {validate.parse_date(f) for f in forms} == {day}


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_events_in_the_future_are_refused(day):
    if day > TODAY:
        with pytest.raises(ValidationError, match="in the future"):
            validate.parse_date(day.isoformat(), "since", allow_future=False, today=TODAY)
    else:
        assert validate.parse_date(day.isoformat(), "since", allow_future=False, today=TODAY) == day


@pytest.mark.parametrize(
    "text", ["31/02/2021", "2021-13-01", "16.13.2021", "kemarin", "", "0021-01-01", "1 Maretan 2020", "2021", "123456"]
)
def test_dates_that_are_not(text):
    with pytest.raises(ValidationError) as exc:
        validate.parse_date(text, "since")
    assert exc.value.field == "since"


@given(st.lists(st.sampled_from(validate.PROGRAMMES), min_size=1), st.sampled_from([",", " ", "+", ";", "/", ", "]))
def test_programmes_any_order_and_separator_give_one_canonical_form(progs, sep):
    parsed = validate.parse_programmes(sep.join(p.upper() for p in progs))
    assert set(parsed) == set(progs)
    assert list(parsed) == [p for p in validate.PROGRAMMES if p in parsed]
    assert validate.format_programmes(parsed) == ",".join(parsed)


def test_unknown_programme_is_named():
    with pytest.raises(ValidationError, match="jkn"):
        validate.parse_programmes("jkk,jkn")


@given(st.text(max_size=50))
def test_clean_text_refuses_control_characters_and_trims(text):
    import unicodedata

    kept = unicodedata.normalize("NFC", text).strip()  # surrounding whitespace (\r, \n too) is trimmed
    has_control = any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in kept)
    try:
        out = validate.clean_text(text, "name")
    except ValidationError as exc:
        assert exc.field == "name"
        assert has_control or len(kept) > 200
        return
    assert not has_control
    if out is not None:
        assert out == out.strip() and "  " not in out


@pytest.mark.parametrize(
    "value, expected", [("ksp", "ksp"), ("Simpan Pinjam", "ksp"), ("simpan-pinjam", "ksp"), ("PRODUSEN", "produsen")]
)
def test_kind_aliases(value, expected):
    assert validate.parse_kind(value) == expected


@pytest.mark.parametrize("value", ["", "koperasi", "bank"])
def test_unknown_kind(value):
    with pytest.raises(ValidationError, match="must be one of ksp"):
        validate.parse_kind(value)


@pytest.mark.parametrize("value, expected", [("32.15", "32.15"), ("3215", "32.15"), ("all", None), ("", None)])
def test_regency(value, expected):
    assert validate.parse_regency(value) == expected


@pytest.mark.parametrize("value", ["99.15", "32.00", "32.1", "Karawang"])
def test_bad_regency(value):
    with pytest.raises(ValidationError, match="regency"):
        validate.parse_regency(value)


# --- NIK: the two paths agree, birth dates are never in the future -------------------------

# NIKs built from every part, each part sometimes out of range: zero, one or several faults.
any_part_niks = st.builds(
    lambda prov, reg, kec, day, month, yy, serial: f"{prov}{reg:02d}{kec:02d}{day:02d}{month:02d}{yy:02d}{serial:04d}",
    st.one_of(st.sampled_from(PROVINCES), st.integers(0, 99).map(lambda n: f"{n:02d}")),
    st.integers(0, 99),
    st.integers(0, 99),
    st.one_of(st.integers(1, 31), st.integers(41, 71), st.integers(0, 99)),
    st.one_of(st.integers(1, 12), st.integers(0, 99)),
    st.integers(0, 99),
    st.one_of(st.integers(1, 9999), st.just(0)),
)
todays = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))  # the pivot knows 19yy and 20yy


@given(any_part_niks, todays)
def test_the_import_fast_path_and_parse_nik_give_the_same_answer(nik, today):
    try:
        info = validate.parse_nik(nik, today=today)
    except ValidationError as exc:
        assert validate.nik_fast(nik, today) == exc.reason
        assert exc.field == "nik" and nik not in str(exc)
    else:
        assert validate.nik_fast(nik, today) == (nik, info.gender, info.birth_date)


def test_a_nik_with_two_faults_gets_the_same_reason_on_both_paths():
    nik = "3215059913900000"  # day 99 and serial 0000: the birth part is reported first
    with pytest.raises(ValidationError) as exc:
        validate.parse_nik(nik, today=TODAY)
    assert "birth day 99" in exc.value.reason
    assert validate.nik_fast(nik, TODAY) == exc.value.reason


@given(todays, st.integers(0, 36523), st.booleans())
def test_the_two_digit_year_is_the_last_hundred_years_up_to_today(today, days_old, woman):
    """Whatever today is, a person born up to 100 years ago (today included) gets their own
    birth date back: never one in the future, never one a century too early."""
    birth = today - dt.timedelta(days=days_old)
    nik = build_nik("32", 15, 5, birth, woman, 1)
    info = validate.parse_nik(nik, today=today)
    assert info.birth_date == birth
    assert info.birth_date <= today


def test_later_this_year_means_a_century_ago():
    # On 25-11-2026 a NIK saying 31-12-26 cannot be a baby born next month: it is 1926.
    assert validate.parse_nik("3215053112260001", today=TODAY).birth_date == dt.date(1926, 12, 31)
    assert validate.parse_nik("3215052511260001", today=TODAY).birth_date == dt.date(2026, 11, 25)  # born today
    assert validate.parse_nik("3215056511260001", today=TODAY).birth_date == dt.date(2026, 11, 25)  # a girl
    assert validate.parse_nik("3215052611260001", today=TODAY).birth_date == dt.date(1926, 11, 26)
    assert validate.nik_fast("3215053112260001", TODAY)[2] == dt.date(1926, 12, 31)
    # 29 February: 2000 was a leap year, 1900 was not
    assert validate.parse_nik("3215052902000001", today=dt.date(2000, 3, 1)).birth_date == dt.date(2000, 2, 29)
    with pytest.raises(ValidationError, match="29-02-1900 .* does not exist"):
        validate.parse_nik("3215052902000001", today=dt.date(2000, 2, 28))


@pytest.mark.parametrize(
    "nik, fragment",
    [
        ("3215050001900001", "birth day 00"),
        ("3215054001900001", "birth day 40"),  # 40 is neither a man's day nor a woman's (41-71)
        ("3215057201900001", "birth day 72"),
        ("3215050100900001", "birth month 00"),
        ("3215053104900001", "does not exist"),  # 31 April
        ("3215057104900001", "does not exist"),  # a woman born 31 April
        ("3215050101900000", "serial"),
        ("3200050101900001", "regency code"),
        ("3215000101900001", "kecamatan code"),
        ("2015050101900001", "province code 20"),
        ("0015050101900001", "province code 00"),
    ],
)
def test_each_rule_of_the_nik(nik, fragment):
    with pytest.raises(ValidationError) as exc:
        validate.parse_nik(nik, today=TODAY)
    assert fragment in exc.value.reason
    assert str(exc.value).startswith(f"nik '{validate.mask_nik(nik)}': ")
    assert nik not in str(exc.value)


@given(st.integers(0, 99).map(lambda n: f"{n:02d}"))
def test_only_known_province_codes(code):
    nik = code + "15050101900001"
    if code in validate.PROVINCE_CODES:
        assert validate.parse_nik(nik, today=TODAY).province == code
    else:
        with pytest.raises(ValidationError, match=f"province code {code} "):
            validate.parse_nik(nik, today=TODAY)


def test_day_and_serial_edges_that_are_valid():
    assert validate.parse_nik("3215050101900001", today=TODAY).gender == "L"
    assert validate.parse_nik("3215053101900001", today=TODAY).birth_date == dt.date(1990, 1, 31)
    woman = validate.parse_nik("3215054101909999", today=TODAY)
    assert (woman.gender, woman.birth_date, woman.serial) == ("P", dt.date(1990, 1, 1), "9999")
    info = validate.parse_nik(" 3215.0501.0190.0001 ", today=TODAY)  # as written on a form
    assert (info.nik, info.regency, info.kecamatan) == ("3215050101900001", "32.15", "32.15.05")


# --- what an error may show -------------------------------------------------------------------


# A NIK typed with the usual mistakes: a digit too many or too few, a letter O for a zero, a
# space or a dash in the middle, a trailing character.
def _typo(nik: str, kind: int, pos: int) -> str:
    pos = 1 + pos % 15  # inside: a tab or dash at either end could be trimmed as a blank
    return [
        nik + str(pos % 10),
        nik[:pos] + nik[pos + 1 :],
        nik[:pos] + "O" + nik[pos + 1 :],
        nik[:pos] + "/" + nik[pos:],
        nik + "x",
        nik[:pos] + "\t" + nik[pos:],
        "NIK " + nik,
        nik + nik[:3],
    ][kind]


@given(niks, st.integers(0, 7), st.integers(0, 15), st.sampled_from(["nik", "--nik", "people[3].nik"]))
def test_a_mistyped_nik_is_refused_naming_the_field_and_never_shown_whole(nik, kind, pos, field):
    typed = _typo(nik, kind, pos)
    with pytest.raises(ValidationError) as exc:
        validate.parse_nik(typed, field, today=TODAY)
    message = str(exc.value)
    assert exc.value.field == field and message.startswith(f"{field} '")
    assert nik not in message and nik not in repr(exc.value.value)
    assert not re.search(r"\d{7,}", message)  # six digits at most in a row: the masked form's


@given(st.text(alphabet="0123456789 -./xO", min_size=0, max_size=40))
def test_no_error_from_parse_nik_shows_more_than_six_digits_in_a_row(text):
    try:
        validate.parse_nik(text, today=TODAY)
    except ValidationError as exc:
        assert not re.search(r"\d{7,}", str(exc))
        assert str(exc).startswith("nik '")


@given(st.text(alphabet="0123456789 -x", max_size=30))
def test_no_error_from_parse_kpj_shows_more_than_three_digits_in_a_row(text):
    try:
        validate.parse_kpj(text, "kpj")
    except ValidationError as exc:
        assert exc.field == "kpj" and str(exc).startswith("kpj '")
        assert not re.search(r"\d{4,}", str(exc)), str(exc)


@pytest.mark.parametrize(
    "parse, value, field",
    [
        (validate.parse_kpj, "1234567890", "kpj"),
        (validate.parse_npp, "AB-12345", "npp"),
        (validate.parse_nik_koperasi, "12345", "nik-koperasi"),
        (lambda v, f: validate.parse_date(v, f), "2021-02-30", "since"),
        (lambda v, f: validate.parse_date(v, f, allow_future=False, today=TODAY), "2026-11-26", "on"),
        (validate.parse_year, "21", "year"),
        (validate.parse_kind, "bank", "kind"),
        (validate.parse_base, "swasta", "base"),
        (validate.parse_role, "ketua", "role"),
        (validate.parse_status, "tutup", "status"),
        (validate.parse_category, "pns", "category"),
        (validate.parse_employer_size, "huge", "size"),
        (validate.parse_programmes, "jkn", "programs"),
        (validate.parse_regency, "Karawang", "regency"),
        (lambda v, f: validate.clean_text(v, f, required=True), "  ", "name"),
        (lambda v, f: validate.clean_text(v, f, max_len=5), "Koperasi", "desa"),
        (lambda v, f: validate.match_kecamatan(v, [("32.15.05", "Klari")], field=f), "Karawang", "kecamatan"),
    ],
)
@pytest.mark.parametrize("custom", [False, True])
def test_every_refusal_starts_with_the_field_it_concerns(parse, value, field, custom):
    name = "rows[7]." + field if custom else field
    with pytest.raises(ValidationError) as exc:
        parse(value, name)
    assert exc.value.field == name
    assert str(exc.value).startswith(f"{name} ")


# --- KPJ, dates, text -----------------------------------------------------------------------------


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_any_eleven_digits_are_a_kpj_and_its_mask_keeps_two_and_three(kpj):
    assert validate.parse_kpj(f" {kpj[:4]} {kpj[4:]} ") == kpj
    masked = validate.mask_kpj(kpj)
    assert masked == kpj[:2] + "******" + kpj[-3:]
    assert validate.mask_kpj(None) is None


def test_today_is_not_the_future_tomorrow_is():
    assert validate.parse_date("25/11/2026", "on", allow_future=False, today=TODAY) == TODAY
    with pytest.raises(ValidationError) as exc:
        validate.parse_date("26/11/2026", "on", allow_future=False, today=TODAY)
    assert str(exc.value) == "on '2026-11-26': is in the future (today is 2026-11-25)"
    # a plan may be in the future where the caller allows it (the default)
    assert validate.parse_date("2030-01-01", "until") == dt.date(2030, 1, 1)
    assert validate.parse_date(dt.datetime(2021, 3, 16, 9, 30), "on") == dt.date(2021, 3, 16)


@given(
    st.text(min_size=1, max_size=30),
    st.sampled_from([chr(c) for c in (*range(0, 9), *range(11, 32), *range(0x7F, 0xA0))]),
    st.integers(0, 30),
)
def test_a_control_character_inside_text_is_refused_and_shown_escaped(text, control, pos):
    pos = min(pos, len(text))
    value = "A" + text[:pos] + control + text[pos:] + "Z"  # inside, so not trimmed away
    with pytest.raises(ValidationError) as exc:
        validate.clean_text(value, "name")
    message = str(exc.value)
    assert message.startswith("name ") and message.endswith(": contains control characters")
    assert control not in message  # escaped (\x1b, \x00, \x85, ...), never written raw to a terminal
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in message)


def test_text_is_trimmed_joined_and_bidi_marks_are_kept_as_data():
    assert validate.clean_text(" \t Koperasi    Makmur\n ", "name") == "Koperasi Makmur"
    with pytest.raises(ValidationError, match=r"name 'Koperasi\\\\tMakmur'"):  # a tab inside is refused too
        validate.clean_text("Koperasi\tMakmur", "name")
    assert validate.clean_text("   ", "name") is None
    rlo = "Kop \u202eX"
    assert validate.clean_text(rlo, "name") == rlo
    assert validate.clean_text("Cafe\u0301", "name") == "Caf\u00e9"  # NFC: one form of each letter


# --- the office's ways of writing (issue 13 items 10 and 12) ----------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 Maret 2020", dt.date(2020, 3, 1)),
        ("01 maret 2020", dt.date(2020, 3, 1)),
        ("16 Mar 2021", dt.date(2021, 3, 16)),
        ("5-Agu-2021", dt.date(2021, 8, 5)),
        ("17 Agustus 1945", dt.date(1945, 8, 17)),
        ("30 Nopember 2020", dt.date(2020, 11, 30)),
        ("2 Desember 2021", dt.date(2021, 12, 2)),
        ("1 March 2020", dt.date(2020, 3, 1)),
        ("16.03.2021", dt.date(2021, 3, 16)),
        ("16-03-2021", dt.date(2021, 3, 16)),
        ("16/03/2021", dt.date(2021, 3, 16)),
        ("2021-03-16", dt.date(2021, 3, 16)),
        ("44271", dt.date(2021, 3, 16)),  # Excel's serial
        ("44271.0", dt.date(2021, 3, 16)),
    ],
)
def test_dates_as_the_office_writes_them(text, expected):
    assert validate.parse_date(text, "since") == expected


def test_a_month_name_that_is_none_is_named():
    with pytest.raises(ValidationError, match="no month named 'maretan'"):
        validate.parse_date("1 Maretan 2020", "since")


@pytest.mark.parametrize(
    "value",
    ["3215 0552 0390 0001", "3215.0552.0390.0001", "3215-0552-0390-0001", "'3215055203900001", " 3215055203900001 "],
)
def test_niks_as_written_on_every_path(value):
    today = dt.date(2024, 1, 1)
    assert validate.parse_nik(value, today=today).nik == "3215055203900001"
    assert validate.nik_fast(value, today)[0] == "3215055203900001"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("ksp", ("ksp", None)),
        ("Simpan Pinjam", ("ksp", None)),
        ("produksi", ("produsen", None)),
        ("Konsumsi", ("konsumen", None)),
        ("KSPPS", ("ksp", "KSPPS")),
        ("koperasi  syariah", ("ksp", "koperasi syariah")),
        ("Syariah", ("ksp", "Syariah")),
        ("KUD", (None, "KUD")),
        ("KSU", (None, "KSU")),
        ("KPRI", (None, "KPRI")),
        ("Kopwan", (None, "Kopwan")),
        ("Kopkar", (None, "Kopkar")),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_split_kind_label(value, expected):
    assert validate.split_kind_label(value) == expected


def test_a_label_is_not_a_kind():
    with pytest.raises(ValidationError) as exc:
        validate.parse_kind("KUD")
    assert str(exc.value) == (
        "kind 'KUD': is a label, not a kind: "
        "give the kind (ksp, produsen, konsumen, pemasaran, jasa); the label is kept"
    )
    assert validate.parse_kind("KSPPS") == "ksp" and validate.parse_kind("produksi") == "produsen"
    with pytest.raises(ValidationError, match="must be one of"):
        validate.split_kind_label("bank")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("karyawan", ("karyawan", None)),
        ("Anggota", ("anggota", None)),
        ("Ketua", ("karyawan", "Ketua")),
        ("Kasir", ("karyawan", "Kasir")),
        ("Staf", ("karyawan", "Staf")),
        ("Karyawan Tetap", ("karyawan", "Karyawan Tetap")),
        ("Manajer", ("karyawan", "Manajer")),
        ("Bendahara", ("karyawan", "Bendahara")),
        ("Sekretaris", ("karyawan", "Sekretaris")),
        ("Pengelola", ("karyawan", "Pengelola")),
        ("Wakil  Ketua", ("karyawan", "Wakil Ketua")),
    ],
)
def test_a_job_title_means_an_employee(value, expected):
    assert validate.parse_role_or_title(value) == expected


@pytest.mark.parametrize("value", ["tamu", "", "angota"])
def test_a_word_that_is_neither_role_nor_title_is_refused(value):
    with pytest.raises(ValidationError):
        validate.parse_role_or_title(value)


# --- names (issue 16, item 9) ----------------------------------------------------------------

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202e\u2066\u2069\u034f\ufe0f\u3164"
names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
    max_size=60,
)


@given(names, st.lists(st.tuples(st.integers(0, 60), st.sampled_from(INVISIBLE)), max_size=5))
def test_invisible_characters_never_make_another_name(name, inserts):
    # a name with invisible characters slipped in anywhere normalises to the same name
    spiked = name
    for at, ch in inserts:
        spiked = spiked[:at] + ch + spiked[at:]
    assert validate.normalise_name(spiked) == validate.normalise_name(name)


@given(names)
def test_a_normalised_name_is_stable_and_shows_only_visible_characters(name):
    once = validate.normalise_name(name)
    assert validate.normalise_name(once) == once  # idempotent: what is stored compares equal to itself
    assert not any(ch in INVISIBLE for ch in once)
    assert once == once.strip() and "  " not in once


@given(st.text(st.sampled_from(INVISIBLE + " "), min_size=1, max_size=10))
def test_a_name_of_invisible_characters_only_is_refused(name):
    assume(name.strip())
    with pytest.raises(ValidationError, match="has no visible characters"):
        validate.clean_name(name)


def test_names_are_nfkc_without_invisible_characters():
    assert validate.clean_name("\uff2b\uff33\uff30 Maju\u00a0Bersama") == "KSP Maju Bersama"
    assert validate.clean_name("Ko\ufb01 \u200bSejahtera\u200d") == "Kofi Sejahtera"
    assert validate.clean_name("  Siti   Aminah ") == "Siti Aminah"
    with pytest.raises(ValidationError, match="control characters"):
        validate.clean_name("Siti\x1b[31m")
    with pytest.raises(ValidationError, match="is required"):
        validate.clean_name("   ")


@pytest.mark.parametrize(
    ("name", "mixed"),
    [
        ("KSP Maju Bersama", False),
        ("Ren\u00e9 Hal\u00e9", False),  # Latin letters with accents
        ("\u0410\u043d\u043d\u0430", False),  # Cyrillic only
        ("KSP 2 \u2013 Maju", False),  # digits and punctuation are no script
        ("KSP M\u0430ju", True),  # a Cyrillic a among Latin letters
        ("K\u039fP Maju", True),  # a Greek capital omicron
    ],
)
def test_mixed_scripts(name, mixed):
    warning = validate.mixed_scripts(name)
    assert (warning is not None) == mixed
    if mixed:
        assert "look-alike" in warning and name in warning


# --- whole numbers (issue 16, item 8) ---------------------------------------------------------


@given(st.integers())
def test_a_count_is_a_whole_number_the_database_holds(n):
    for value in (n, str(n)):
        if 1 <= n <= validate.MAX_COUNT:
            assert validate.parse_count(value, "value", minimum=1) == n
        else:
            with pytest.raises(ValidationError) as refused:
                validate.parse_count(value, "value", minimum=1)
            assert refused.value.field == "value" and len(refused.value.message) < 120


@pytest.mark.parametrize("value", ["", "1.0", "1e3", "1_000", "\uff11", "\u0661", "0x10", True, None, "- 5"])
def test_a_count_written_otherwise_is_refused(value):
    with pytest.raises(ValidationError, match="must be a whole number"):
        validate.parse_count(value, "value", minimum=1)
