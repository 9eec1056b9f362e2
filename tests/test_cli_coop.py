"""`koptrack coop add|list|show|edit` and `koptrack worker add|list|leave` through the real CLI:
the --json shapes programs rely on, one clear line naming the field for a bad value with nothing
written, and NIK/KPJ masked everywhere unless --show-nik asks for them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from conftest import refused, snapshot

# Valid NIKs registered in Klari (32.15.05): a woman born 12-03-1990 (day 52 = 12 + 40) and a man
# born 12-03-1985; their masked forms keep digits 1-6 and 13-16 only.
SITI = "3215055203900001"
BUDI = "3215051203850002"
KPJ = "12345678901"

COOP_KEYS = {
    "id",
    "name",
    "kind",
    "base",
    "kecamatan",
    "kecamatan_code",
    "regency",
    "desa",
    "legal_no",
    "nik_koperasi",
    "address",
    "employer_size",
    "status",
    "label",
    "note",
    "created_at",
    "updated_at",
}
LIST_KEYS = {"id", "name", "kind", "base", "kecamatan", "kecamatan_code", "regency", "desa", "status"}
WORKER_KEYS = {"nik", "name", "gender", "birth_date", "role", "position", "since", "until"}


def masked(nik: str) -> str:
    return nik[:6] + "******" + nik[-4:]


def one_error_line(result) -> str:
    return refused(result).strip().splitlines()[0]


@pytest.fixture
def office(cli):
    """The seeded office: 30 kecamatan and cooperative 1 (Koperasi Makmur Mandiri, Klari)."""
    cli("seed")
    return cli


@pytest.fixture
def ksp(office):
    """A second cooperative with a person of each role."""
    coop = office.json(
        "coop", "add", "KSP Sejahtera Bersama", "--kind", "ksp", "--base", "masyarakat", "--kecamatan", "Klari"
    )
    office(
        "worker",
        "add",
        "--coop",
        coop["id"],
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    office(
        "worker",
        "add",
        "--coop",
        coop["id"],
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "anggota",
        "--since",
        "2021-02-01",
    )
    return coop


# --- coop add ------------------------------------------------------------------------------


def test_add_prints_only_the_new_id_and_the_json_record(office):
    plain = office("coop", "add", "Koperasi Tani Makmur", "--kind", "produsen", "--kecamatan", "Cikampek")
    new_id = int(plain.stdout.strip())  # stdout is the id alone, for scripts
    assert f"added cooperative {new_id}" in plain.stderr
    assert new_id != 1  # the seed's cooperative keeps id 1

    rec = office.json(
        "coop",
        "add",
        "Kopkar Industri Jaya",
        "--kind",
        "simpan-pinjam",
        "--base",
        "kopkar",
        "--kecamatan",
        "Kec. Telukjambe Timur",
        "--nik-koperasi",
        "3215.0300.0000.0042",
        "--size",
        "kecil",
        "--desa",
        "Sirnabaya",
    )
    assert set(rec) == COOP_KEYS
    assert rec["id"] not in (1, new_id)
    # aliases and the ways people type a kecamatan end up as the canonical values
    assert (rec["kind"], rec["base"], rec["employer_size"]) == ("ksp", "karyawan", "small")
    assert (rec["kecamatan"], rec["kecamatan_code"], rec["regency"]) == ("Telukjambe Timur", "32.15.03", "32.15")
    assert rec["nik_koperasi"] == "3215030000000042"  # an organisation's number: not personal, not masked
    assert rec["status"] == "active" and rec["desa"] == "Sirnabaya" and rec["legal_no"] is None

    listed = office.json("coop", "list")
    assert [r["id"] for r in listed] == sorted(r["id"] for r in listed) == [1, new_id, rec["id"]]
    assert all(set(r) == LIST_KEYS for r in listed)
    assert listed[-1] == {k: rec[k] for k in LIST_KEYS}


BAD_ADD = [  # option, value, the field the error line must start with
    ("--nik-koperasi", "12345", "nik-koperasi"),
    ("--nik-koperasi", "32150300000000421", "nik-koperasi"),
    ("--nik-koperasi", "32150300000O0042", "nik-koperasi"),
    ("--kecamatan", "Klarri", "kecamatan"),
    ("--kecamatan", "32.16.05", "kecamatan"),
    ("--kecamatan", "Bandung", "kecamatan"),
    ("--kind", "bank", "kind"),
    ("--kind", "koperasi", "kind"),
    ("--base", "swasta", "base"),
    ("--size", "huge", "size"),
]


def test_a_bad_value_is_one_line_naming_field_and_value_and_nothing_is_written(office, engine):
    # one seeded database for every case (each refusal must leave it exactly as it was anyway)
    before = snapshot(engine)
    for option, value, field in BAD_ADD:
        args = {"--kind": "ksp", "--kecamatan": "Klari", option: value}
        result = office("coop", "add", "Koperasi Baru", *[x for kv in args.items() for x in kv], ok=False)
        line = one_error_line(result)
        assert line.startswith(f"error: {field} '{value}'"), (option, value, line)
        if value == "Klarri":
            assert "did you mean 'Klari'" in line  # the closest kecamatan is suggested
        assert snapshot(engine) == before, (option, value)
    # a required option left out is a usage error (exit 2), nothing written either
    result = office("coop", "add", "Koperasi Baru", "--kecamatan", "Klari", ok=False)
    assert result.exit_code == 2 and "--kind" in result.stderr
    assert snapshot(engine) == before


def test_add_before_any_seed_says_to_seed_first(cli, engine):
    before = snapshot(engine)
    result = cli("coop", "add", "Koperasi Baru", "--kind", "ksp", "--kecamatan", "Klari", ok=False)
    assert "no kecamatan are loaded" in one_error_line(result) and "koptrack seed" in result.stderr
    assert snapshot(engine) == before


def test_duplicates_are_refused_and_nothing_is_written(office, engine):
    office(
        "coop",
        "add",
        "KSP Sejahtera",
        "--kind",
        "ksp",
        "--kecamatan",
        "Klari",
        "--nik-koperasi",
        "3215050000000001",
        "--legal-no",
        "518/BH/XII/2004",
    )
    before = snapshot(engine)
    # the same name in the same kecamatan, in another case
    line = one_error_line(office("coop", "add", "ksp sejahtera", "--kind", "jasa", "--kecamatan", "32.15.05", ok=False))
    assert line.startswith("error: name 'ksp sejahtera'") and "already has this name" in line
    line = one_error_line(
        office(
            "coop",
            "add",
            "Lain",
            "--kind",
            "ksp",
            "--kecamatan",
            "Pedes",
            "--nik-koperasi",
            "3215050000000001",
            ok=False,
        )
    )
    assert line.startswith("error: nik-koperasi '3215050000000001'")
    line = one_error_line(
        office(
            "coop", "add", "Lain", "--kind", "ksp", "--kecamatan", "Pedes", "--legal-no", "518/BH/XII/2004", ok=False
        )
    )
    assert line.startswith("error: legal-no '518/BH/XII/2004'")
    assert snapshot(engine) == before
    # the same name in another kecamatan is another cooperative
    assert (
        office.json("coop", "add", "KSP Sejahtera", "--kind", "ksp", "--kecamatan", "Pedes")["kecamatan_code"]
        == "32.15.10"
    )


# --- coop list / show ---------------------------------------------------------------------


def test_list_filters_and_formats(office):
    office(
        "coop", "add", "KSP Mekar", "--kind", "ksp", "--base", "masyarakat", "--kecamatan", "Klari", "--desa", "Duren"
    )
    office("coop", "add", "Kop Produsen Tani", "--kind", "produsen", "--kecamatan", "Cikampek")
    names = lambda *f: [r["name"] for r in office.json("coop", "list", *f)]  # noqa: E731
    assert names() == ["Koperasi Makmur Mandiri", "KSP Mekar", "Kop Produsen Tani"]
    assert names("--kind", "simpan pinjam") == ["Koperasi Makmur Mandiri", "KSP Mekar"]
    assert names("--kecamatan", "321513") == ["Kop Produsen Tani"]
    assert names("--base", "masyarakat") == ["KSP Mekar"]
    assert names("--search", "duren") == ["KSP Mekar"]  # desa is searched too
    assert names("--kind", "jasa") == []
    csv_lines = office("coop", "list", "--csv").stdout.splitlines()
    assert csv_lines[0] == "id,name,kind,base,kecamatan,desa,status" and len(csv_lines) == 4
    table = office("coop", "list").stdout
    assert "Kop Produsen Tani" in table and "Cikampek" in table
    result = office("coop", "list", "--kind", "bank", ok=False)
    assert one_error_line(result).startswith("error: kind 'bank'")


def test_show_json_shape_and_lookup_by_id_or_name(office, ksp):
    rec = office.json("coop", "show", str(ksp["id"]), "--as-of", "2021-06-30")
    assert COOP_KEYS | {"as_of", "bpjs", "pkspkb", "people"} <= set(rec)
    assert rec["id"] == ksp["id"] and rec["as_of"] == "2021-06-30"
    assert rec["bpjs"]["registered"] is False and rec["bpjs"]["in_scope"] == 1  # its one employee
    assert rec["pkspkb"]["member"] is False
    assert sorted(p["role"] for p in rec["people"]) == ["anggota", "karyawan"]
    # an unambiguous part of the name finds the same cooperative
    assert office.json("coop", "show", "sejahtera bersama")["id"] == ksp["id"]
    # on a date before anyone joined there is nobody
    assert office.json("coop", "show", str(ksp["id"]), "--as-of", "2020-12-31")["people"] == []


def test_show_an_unknown_cooperative(office):
    assert one_error_line(office("coop", "show", "999", ok=False)) == "error: coop 999: no cooperative has this id"
    result = office("coop", "show", "Koperasi Makmur Mandri", ok=False)
    assert "no cooperative has this name" in one_error_line(result)
    assert "did you mean 'Koperasi Makmur Mandiri'" in result.stderr


# --- coop edit ----------------------------------------------------------------------------


def test_edit_changes_only_what_is_given(office, ksp):
    before = office.json("coop", "show", str(ksp["id"]))
    after = office.json(
        "coop",
        "edit",
        str(ksp["id"]),
        "--base",
        "kopkar",
        "--kecamatan",
        "Pedes",
        "--legal-no",
        "518/BH/XII/2004",
        "--size",
        "medium",
    )
    assert set(after) == COOP_KEYS
    assert (after["base"], after["kecamatan"], after["kecamatan_code"]) == ("karyawan", "Pedes", "32.15.10")
    assert (after["legal_no"], after["employer_size"]) == ("518/BH/XII/2004", "medium")
    for unchanged in ("id", "name", "kind", "desa", "nik_koperasi", "status", "created_at"):
        assert after[unchanged] == before[unchanged], unchanged
    shown = office.json("coop", "show", str(ksp["id"]))
    assert {k: shown[k] for k in COOP_KEYS} == after  # stored, not only printed
    plain = office("coop", "edit", "Sejahtera Bersama", "--status", "nonaktif")
    assert f"updated cooperative {ksp['id']}" in plain.stderr and plain.stdout == ""
    assert office.json("coop", "show", str(ksp["id"]))["status"] == "inactive"


BAD_EDIT = [
    ("--nik-koperasi", "123", "nik-koperasi"),
    ("--kecamatan", "Atlantis", "kecamatan"),
    ("--kind", "bank", "kind"),
    ("--status", "tutup", "status"),
    ("--name", "Kop\x1b[31mMerah", "name"),
]


def test_a_bad_edit_changes_nothing(office, engine, ksp):
    before = snapshot(engine)
    for option, value, field in BAD_EDIT:
        # a valid change given together with the bad one must not be written either
        result = office("coop", "edit", str(ksp["id"]), "--desa", "Duren", option, value, ok=False)
        line = one_error_line(result)
        assert line.startswith(f"error: {field} "), (option, line)
        assert "\x1b" not in result.stderr
        assert snapshot(engine) == before, option


def test_an_edit_with_nothing_to_change_or_into_a_duplicate_is_refused(office, engine, ksp):
    before = snapshot(engine)
    assert "nothing to change" in one_error_line(office("coop", "edit", str(ksp["id"]), ok=False))
    line = one_error_line(office("coop", "edit", str(ksp["id"]), "--name", "koperasi makmur mandiri", ok=False))
    assert "already has this name" in line  # cooperative 1 has it in Klari
    assert snapshot(engine) == before


# --- worker: NIK masked unless asked ------------------------------------------------------


def test_worker_add_derives_gender_and_birth_date_and_masks_the_nik(office, engine):
    coop = office.json("coop", "add", "KSP Mekar", "--kind", "ksp", "--kecamatan", "Klari")["id"]
    plain = office(
        "worker",
        "add",
        "--coop",
        coop,
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "pengelola",
        "--since",
        "04/01/2021",
    )
    assert masked(SITI) in plain.stderr and SITI not in plain.stderr + plain.stdout
    rec = office.json(
        "worker",
        "add",
        "--coop",
        coop,
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "member",
        "--since",
        "2021-02-01",
    )
    assert {"nik", "name", "gender", "birth_date", "role", "since", "until", "coop", "coop_id"} <= set(rec)
    assert rec["nik"] == masked(BUDI) and BUDI not in str(rec)
    assert (rec["gender"], rec["birth_date"], rec["role"], rec["since"]) == ("L", "1985-03-12", "anggota", "2021-02-01")
    assert rec["coop_id"] == coop and rec["new_person"] is True
    with engine.connect() as conn:  # stored in full: masking is for display only
        assert sorted(conn.execute(text("SELECT nik FROM person")).scalars()) == sorted([SITI, BUDI])
        audit = " ".join(map(str, conn.execute(text("SELECT * FROM audit_log")).all()))
    assert SITI not in audit and BUDI not in audit  # the audit log keeps masked NIKs only


def test_worker_add_show_nik_reveals(office):
    rec = office.json(
        "worker",
        "add",
        "--coop",
        "1",
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
        "--show-nik",
    )
    assert rec["nik"] == SITI and (rec["gender"], rec["birth_date"]) == ("P", "1990-03-12")


def test_worker_list_masks_in_every_format_unless_show_nik(office, ksp):
    coop = str(ksp["id"])
    rows = office.json("worker", "list", "--coop", coop, "--as-of", "2021-06-30")
    assert all(set(r) == WORKER_KEYS for r in rows)
    assert {(r["nik"], r["role"], r["gender"]) for r in rows} == {
        (masked(SITI), "karyawan", "P"),
        (masked(BUDI), "anggota", "L"),
    }
    revealed = office.json("worker", "list", "--coop", coop, "--as-of", "2021-06-30", "--show-nik")
    assert {r["nik"] for r in revealed} == {SITI, BUDI}
    for fmt in ((), ("--csv",)):
        out = office("worker", "list", "--coop", coop, "--as-of", "2021-06-30", *fmt).stdout
        assert masked(SITI) in out and masked(BUDI) in out
        assert SITI not in out and BUDI not in out
        shown = office("worker", "list", "--coop", coop, "--as-of", "2021-06-30", "--show-nik", *fmt).stdout
        assert SITI in shown and BUDI in shown
    # on a day before Budi joined only Siti is listed; --role narrows
    assert [r["name"] for r in office.json("worker", "list", "--coop", coop, "--as-of", "2021-01-31")] == [
        "Siti Aminah"
    ]
    assert [
        r["name"] for r in office.json("worker", "list", "--coop", coop, "--role", "anggota", "--as-of", "2021-06-30")
    ] == ["Budi Santoso"]


def test_coop_show_masks_nik_and_kpj_in_table_and_json_unless_show_nik(office, ksp):
    coop = str(ksp["id"])
    office("bpjs", "register", "--coop", coop, "--on", "2021-01-05")
    office("bpjs", "enroll", "--coop", coop, "--nik", SITI, "--on", "2021-02-01", "--kpj", KPJ)
    table = office("coop", "show", coop, "--as-of", "2021-06-30").stdout
    assert masked(SITI) in table and "12******901" in table
    assert SITI not in table and KPJ not in table
    people = office.json("coop", "show", coop, "--as-of", "2021-06-30")["people"]
    assert {p["nik"] for p in people} == {masked(SITI), masked(BUDI)}
    assert [p["kpj"] for p in people if p["kpj"]] == ["12******901"]
    full = office("coop", "show", coop, "--as-of", "2021-06-30", "--show-nik").stdout
    assert SITI in full and KPJ in full
    people = office.json("coop", "show", coop, "--as-of", "2021-06-30", "--show-nik")["people"]
    assert {p["nik"] for p in people} == {SITI, BUDI} and KPJ in [p["kpj"] for p in people]


def test_worker_leave_masks_and_ends_the_period(office, ksp):
    coop = str(ksp["id"])
    rec = office.json("worker", "leave", "--coop", coop, "--nik", SITI, "--on", "2022-06-30")
    assert rec["nik"] == masked(SITI) and rec["roles"] == ["karyawan"] and rec["until"] == "2022-06-30"
    assert [r["name"] for r in office.json("worker", "list", "--coop", coop, "--as-of", "2022-06-30")] == [
        "Budi Santoso"
    ]
    assert [r["name"] for r in office.json("worker", "list", "--coop", coop, "--as-of", "2022-06-29")] == [
        "Budi Santoso",
        "Siti Aminah",
    ]
    rec = office.json("worker", "leave", "--coop", coop, "--nik", BUDI, "--on", "2022-07-01", "--show-nik")
    assert rec["nik"] == BUDI
    again = one_error_line(office("worker", "leave", "--coop", coop, "--nik", BUDI, "--on", "2022-08-01", ok=False))
    assert masked(BUDI) in again and BUDI not in again


BAD_WORKER = [
    (("--nik", "3215055203900000"), "nik"),  # serial 0000
    (("--nik", "9915055203900001"), "nik"),  # no province 99
    (("--nik", "3215059203900001"), "nik"),  # day 92
    (("--nik", "321505520390001"), "nik"),  # 15 digits
    (("--nik", "32150552039000011"), "nik"),  # 17 digits
    (("--nik", "32150552O3900001"), "nik"),  # a letter O
    (("--role", "ketua"), "role"),
    (("--since", "2999-01-01"), "since"),
    (("--since", "31/02/2021"), "since"),
    (("--name", "  "), "name"),
    (("--coop", "999"), "coop"),
]


def test_worker_add_refusals_name_the_field_never_the_full_nik(office, engine):
    before = snapshot(engine)
    for (option, value), field in BAD_WORKER:
        given = {
            "--coop": "1",
            "--nik": SITI,
            "--name": "Siti Aminah",
            "--role": "karyawan",
            "--since": "2021-01-04",
            option: value,
        }
        result = office("worker", "add", *[x for kv in given.items() for x in kv], ok=False)
        line = one_error_line(result)
        assert line.startswith(f"error: {field} "), (option, value, line)
        assert given["--nik"] not in result.stderr
        assert not re.search(r"\d{7,}", result.stderr), line  # at most the six leading digits of a NIK
        assert snapshot(engine) == before, (option, value)


def test_a_nik_registered_under_another_name_is_a_conflict(office, engine, ksp):
    before = snapshot(engine)
    result = office(
        "worker",
        "add",
        "--coop",
        "1",
        "--nik",
        SITI,
        "--name",
        "Sri Wahyuni",
        "--role",
        "anggota",
        "--since",
        "2021-03-01",
        ok=False,
    )
    line = one_error_line(result)
    assert masked(SITI) in line and SITI not in result.stderr and "another name" in line
    assert snapshot(engine) == before


def test_worker_add_to_a_cooperative_inactive_on_that_day_is_refused(office, engine, ksp):
    office("coop", "deactivate", str(ksp["id"]), "--on", "2021-04-01")
    before = snapshot(engine)
    line = one_error_line(
        office(
            "worker",
            "add",
            "--coop",
            str(ksp["id"]),
            "--nik",
            "3215050101800003",
            "--name",
            "Andi",
            "--role",
            "karyawan",
            "--since",
            "2021-05-01",
            ok=False,
        )
    )
    assert "inactive" in line
    assert snapshot(engine) == before


@pytest.mark.parametrize("command", [("coop", "show"), ("worker", "add"), ("worker", "list"), ("worker", "leave")])
def test_commands_that_print_people_offer_show_nik(cli, command):
    assert "--show-nik" in cli(*command, "--help").stdout


@pytest.mark.parametrize("command", [("coop", "add"), ("coop", "list"), ("coop", "edit")])
def test_commands_without_people_have_no_show_nik(cli, command):
    assert "--show-nik" not in cli(*command, "--help").stdout


def test_a_refused_list_leaves_stdout_empty(office):
    for fmt in ("--json", "--csv"):
        result = office("coop", "list", "--kind", "bank", fmt, ok=False)
        assert result.exit_code == 1 and "error: kind 'bank'" in result.stderr
        assert result.stdout == "", (fmt, result.stdout)  # a program reading stdout gets no half document
