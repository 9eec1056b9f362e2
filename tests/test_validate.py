"""The validators are pure functions: properties over generated input (hypothesis), plus the
cases an office meets. A refusal names the field and never echoes a full NIK or KPJ."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from koptrack import validate
from koptrack.errors import ValidationError

TODAY = dt.date(2026, 11, 25)
PROVINCES = sorted(validate.PROVINCE_CODES)
settings.register_profile("koptrack", max_examples=200, deadline=None)
settings.load_profile("koptrack")


def build_nik(province: str, regency: int, kecamatan: int, birth: dt.date, woman: bool, serial: int) -> str:
    day = birth.day + (40 if woman else 0)
    return f"{province}{regency:02d}{kecamatan:02d}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


births = st.dates(min_value=dt.date(TODAY.year - 99, 1, 1), max_value=TODAY)
niks = st.builds(build_nik, st.sampled_from(PROVINCES), st.integers(1, 99), st.integers(1, 99), births,
                 st.booleans(), st.integers(1, 9999))


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
        if len(s) >= 6:
            assert s not in str(exc.value)


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_nik_koperasi_is_sixteen_digits(digits):
    if len(digits) == 16:
        assert validate.parse_nik_koperasi(digits) == digits
    else:
        with pytest.raises(ValidationError, match="nik-koperasi"):
            validate.parse_nik_koperasi(digits)


@pytest.mark.parametrize("value, ok", [("ab123456", "AB123456"), ("12345678", "12345678"), ("AB12345", None),
                                       ("AB-12345", None), ("", "")])
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


@pytest.mark.parametrize("text", ["31/02/2021", "2021-13-01", "16.03.2021", "kemarin", "", "0021-01-01"])
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


@pytest.mark.parametrize("value, expected", [("ksp", "ksp"), ("Simpan Pinjam", "ksp"), ("simpan-pinjam", "ksp"),
                                             ("PRODUSEN", "produsen")])
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
