"""`koptrack bpjs reconcile` (issue 15): BPJS Ketenagakerjaan's participant list, as a branch
office sends it, matched against the database; every class's members asserted exactly; bad
lists refused with every reason and nothing written; --apply records what the list proves and
leaves the disagreements."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import ON_POSTGRES, table_dump

A = "KSP Maju Bersama"  # NPP AB123456
B = "Kopkar Sejahtera Abadi"  # NPP CD654321
NPP_A, NPP_B, NPP_NOBODY = "AB123456", "CD654321", "EF111111"
ROLES_SQL = Path(__file__).resolve().parents[1] / "deploy" / "postgres-roles.sql"


def nik(serial: int, birth: str = "120390") -> str:
    return f"321505{birth}{serial:04d}"


# name -> (NIK, KPJ)
P = {
    "Siti Aminah": (nik(1), "11111111111"),
    "Budi Santoso": (nik(2, "150785"), None),
    "Dewi Lestari": (nik(3, "520391"), "33333333333"),
    "Agus Salim": (nik(4, "010180"), "44444444444"),
    "Rina Marlina": (nik(5, "450592"), None),
    "Joko Widodo": (nik(6, "210670"), "66666666666"),
    "Eko Prasetyo": (nik(7, "030388"), "77777777777"),
    "Wati Susanti": (nik(10, "611189"), "10101010101"),
    "Hadi Gunawan": (nik(11, "090985"), "12121212121"),
    "Lina Marlina": (nik(12, "491093"), None),
    "Rudi Hartono": (nik(13, "111182"), None),
}
STRANGER = nik(8, "050599")  # a person koptrack has never seen


def masked(n: str) -> str:
    return n[:6] + "******" + n[-4:]


@pytest.fixture
def office(cli):
    """Two cooperatives registered with BPJS on 2021-01-04, their people, and what each declared."""
    cli("seed")
    a = cli.json("coop", "add", A, "--kind", "ksp", "--kecamatan", "Klari")["id"]
    b = cli.json("coop", "add", B, "--kind", "konsumen", "--base", "karyawan", "--kecamatan", "Klari")["id"]
    cli("bpjs", "register", "--coop", a, "--on", "2021-01-04", "--npp", NPP_A)
    cli("bpjs", "register", "--coop", b, "--on", "2021-01-04", "--npp", NPP_B)
    on_a = ["Siti Aminah", "Budi Santoso", "Dewi Lestari", "Agus Salim", "Rina Marlina", "Joko Widodo"]
    on_a += ["Eko Prasetyo", "Wati Susanti", "Lina Marlina", "Rudi Hartono"]
    for name in on_a:
        cli("worker", "add", "--coop", a, "--nik", P[name][0], "--name", name, "--role", "karyawan",
            "--since", "2021-01-04")  # fmt: skip
    for name in ("Wati Susanti", "Hadi Gunawan"):
        cli("worker", "add", "--coop", b, "--nik", P[name][0], "--name", name, "--role", "karyawan",
            "--since", "2021-01-04")  # fmt: skip
    declared = {
        a: ["Siti Aminah", "Budi Santoso", "Dewi Lestari", "Agus Salim", "Joko Widodo", "Eko Prasetyo", "Wati Susanti"],
        b: ["Wati Susanti", "Hadi Gunawan"],
    }
    for coop, names in declared.items():
        for name in names:
            n, kpj = P[name]
            args = ["bpjs", "enroll", "--coop", coop, "--nik", n, "--on", "2021-04-01", "--programs", "jkk,jkm,jht"]
            cli(*args, *(["--kpj", kpj] if kpj else []))
    return {"a": a, "b": b}


HEADER = ["No. KPJ", "NIK", "Nama Tenaga Kerja", "NPP", "TMT Kepesertaan", "Status Kepesertaan", "Tgl Non Aktif",
          "Program", "Kategori"]  # fmt: skip
TITLE = [["DAFTAR TENAGA KERJA PESERTA BPJS KETENAGAKERJAAN"], ["KANTOR CABANG KARAWANG"],
         ["Per tanggal 31 Desember 2021"], []]  # fmt: skip


def branch_rows() -> list[list[str]]:
    """The branch office's list as it comes: KPJ, NIK, name, NPP, TMT, status, end, programmes, category."""
    s, b, d, _, r, j, e, w, h, lina, rudi = (P[k] for k in P)
    return [
        [s[1], s[0], "SITI AMINAH", NPP_A, "01/04/2021", "Aktif", "", "JKK, JKM, JHT", "PU"],
        ["22222222222", b[0], "BUDI SANTOSO", NPP_A, "01/04/2021", "Aktif", "", "JKK, JKM, JHT", "PU"],
        [d[1], d[0], "DEWI LESTARI", NPP_A, "01/04/2021", "Non Aktif", "30/09/2021", "JKK, JKM, JHT", "PU"],
        # Agus Salim is absent from the list
        ["55555555555", r[0], "RINA MARLINA", NPP_A, "01/05/2021", "Aktif", "", "JKK, JKM, JHT", "PU"],
        ["66666666699", j[0], "JOKO WIDODO", NPP_A, "01/03/2021", "Aktif", "", "JKK, JKM, JHT", "PU"],
        [e[1], "", "EKO PRASETYO", NPP_A, "01/04/2021", "Aktif", "", "JKK, JKM, JHT", "PU"],  # KPJ only
        ["88888888888", STRANGER, "ANDI PRATAMA", NPP_A, "01/06/2021", "Aktif", "", "JKK, JKM", "PU"],
        [s[1], s[0], "SITI AMINAH", NPP_A, "01/04/2021", "Aktif", "", "JKK, JKM, JHT", "PU"],  # sent twice
        [w[1], w[0], "WATI SUSANTI", NPP_A, "01/04/2021", "Aktif", "", "JKK, JKM, JHT", "PU"],
        [h[1], h[0], "HADI GUNAWAN", NPP_NOBODY, "01/04/2021", "Aktif", "", "JKK, JKM, JHT", "PU"],
        ["13131313131", lina[0], "LINA MARLINA", NPP_B, "01/07/2021", "Aktif", "", "JKK, JKM", "PU"],
        ["14141414141", rudi[0], "RUDI HARTONO", NPP_A, "01/02/2021", "Nonaktif", "30/06/2021", "JKK, JKM", "PU"],
    ]


def write_csv(path, header, rows, title=TITLE, delimiter=";"):
    lines = [delimiter.join(r) for r in [*title, header, *rows]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


EXPECTED = {
    "confirmed": [("Budi Santoso", A), ("Eko Prasetyo", A), ("Siti Aminah", A)],
    "not_active": [("Agus Salim", A), ("Dewi Lestari", A)],
    "not_enrolled": [("Rina Marlina", A)],
    "not_on_roster": [("ANDI PRATAMA", A), ("Lina Marlina", B)],
    "disagree": [("Joko Widodo", A)],
    "two_coops": [("Wati Susanti", A), ("Wati Susanti", B)],
    "other_npp": [("Hadi Gunawan", B)],
}


def classes(doc: dict) -> dict:
    return {c: sorted((r["name"], r["coop"]) for r in rows) for c, rows in doc["people"].items()}


def state(engine) -> tuple[dict, int]:
    with engine.connect() as conn:
        audits = conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
    return table_dump(engine), audits


def test_every_class_has_exactly_its_members(office, cli, tmp_path, engine):
    before = state(engine)
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    doc = cli.json("bpjs", "reconcile", f)
    assert classes(doc) == {c: sorted(v) for c, v in EXPECTED.items()}
    assert doc["list_date"] == "2021-12-31" and doc["as_of"] == "2021-12-31"
    assert doc["rows_read"] == 12 and doc["duplicates"] == 1
    assert doc["summary"] == {c: len(v) for c, v in EXPECTED.items()}
    assert doc["coop_npp"] == [
        {"coop_id": office["b"], "coop": B, "recorded_npp": NPP_B, "list_npp": NPP_NOBODY, "people": 1}
    ]
    by_coop = {r["coop"]: r for r in doc["coops"]}
    assert by_coop[A]["confirmed"] == 3 and by_coop[A]["not_active"] == 2 and by_coop[B]["other_npp"] == 1
    details = {r["name"]: r["detail"] for rows in doc["people"].values() for r in rows}
    assert details["Dewi Lestari"] == "nonaktif at BPJS since 2021-09-30"
    assert details["Agus Salim"] == "absent from the list"
    assert details["ANDI PRATAMA"] == "a person koptrack has never seen"
    assert "KPJ 66******699 at BPJS, 66******666 in koptrack" in details["Joko Widodo"]
    assert "start 2021-03-01 at BPJS, 2021-04-01 in koptrack" in details["Joko Widodo"]
    # masked unless --show-nik, and nothing written without --apply
    out = json.dumps(doc)
    assert P["Siti Aminah"][0] not in out and masked(P["Siti Aminah"][0]) in out
    assert "11111111111" not in out and "66666666699" not in out
    assert state(engine) == before


def test_header_spellings_and_an_xlsx_list_give_the_same_classes(office, cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["LAPORAN DATA PESERTA PER 31 Desember 2021"])
    ws.append(["Nomor Kartu", "No KTP", "Nama Peserta", "No NPP", "Tgl Kepesertaan", "Status", "Tanggal Nonaktif",
               "Program Kepesertaan", "Segmen"])  # fmt: skip
    for row in branch_rows():
        tmt = dt.datetime.strptime(row[4], "%d/%m/%Y")  # a date cell
        ws.append([row[0], row[1], row[2].title(), row[3], tmt, row[5].upper(), row[6], row[7].replace(", ", "+"),
                   "Penerima Upah"])  # fmt: skip
    wb.save(tmp_path / "peserta.xlsx")
    doc = cli.json("bpjs", "reconcile", tmp_path / "peserta.xlsx")
    got = {c: [(n.upper(), coop) for n, coop in v] for c, v in classes(doc).items()}
    assert got == {c: sorted((n.upper(), coop) for n, coop in v) for c, v in EXPECTED.items()}
    # a comma-separated list without title rows, other spellings, dates in words; --as-of
    header = ["KPJ", "NIK Peserta", "Nama", "NPP", "TMT", "Status Peserta", "Tanggal Berhenti", "Programs",
              "Kategori Peserta"]  # fmt: skip
    rows = [[c.replace(", ", " ") for c in r] for r in branch_rows()]
    f = write_csv(tmp_path / "peserta2.csv", header, rows, title=[], delimiter=",")
    doc = cli.json("bpjs", "reconcile", f, "--as-of", "2021-12-31")
    assert classes(doc) == {c: sorted(v) for c, v in EXPECTED.items()}
    assert doc["list_date"] is None


def test_as_of_before_the_end_sees_dewi_active(office, cli, tmp_path):
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    doc = cli.json("bpjs", "reconcile", f, "--as-of", "2021-08-31")
    got = classes(doc)
    assert ("Dewi Lestari", A) in got["confirmed"]
    assert ("Rina Marlina", A) in got["not_enrolled"]


def test_narrowing_to_one_cooperative(office, cli, tmp_path):
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    doc = cli.json("bpjs", "reconcile", f, "--coop", B)
    assert {c: v for c, v in classes(doc).items() if v} == {
        "not_on_roster": [("Lina Marlina", B)],
        "two_coops": [("Wati Susanti", B)],
        "other_npp": [("Hadi Gunawan", B)],
    }


def test_show_nik_reveals_and_the_table_masks(office, cli, tmp_path):
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    shown = cli("bpjs", "reconcile", f).stdout
    assert masked(P["Joko Widodo"][0]) in shown and P["Joko Widodo"][0] not in shown
    assert "Disagree" in shown or "disagree" in shown
    full = cli.json("bpjs", "reconcile", f, "--show-nik")
    assert P["Joko Widodo"][0] in json.dumps(full)
    csv_out = cli("bpjs", "reconcile", f, "--csv").stdout.splitlines()
    assert csv_out[0].startswith("class,coop_id,coop,nik,kpj")
    assert len(csv_out) == 1 + sum(len(v) for v in EXPECTED.values())
    assert P["Siti Aminah"][0] not in "\n".join(csv_out)


def test_xlsx_has_one_sheet_per_class(office, cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    out = tmp_path / "rekonsiliasi.xlsx"
    cli("bpjs", "reconcile", f, "--xlsx", out)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Summary", "By cooperative", "Cooperative NPP", "Confirmed", "Not active at BPJS",
                             "Not enrolled", "Not on roster", "Disagree", "Two cooperatives", "Other NPP"]  # fmt: skip
    confirmed = list(wb["Confirmed"].iter_rows(values_only=True))
    assert len(confirmed) == 1 + 3
    assert all(P["Siti Aminah"][0] not in str(r) for r in confirmed)


def test_bad_lists_are_refused_with_every_reason_and_nothing_written(office, cli, tmp_path, engine):
    before = state(engine)
    # a roster sent instead of the list
    roster = write_csv(tmp_path / "karyawan.csv", ["NIK", "Nama", "Peran", "Tanggal Masuk"],
                       [[P["Siti Aminah"][0], "Siti", "karyawan", "04/01/2021"]], title=[])  # fmt: skip
    r = cli("bpjs", "reconcile", roster, "--apply", ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "no TMT column" in r.stderr and r.stdout == ""
    # no NIK and no KPJ column
    f = write_csv(tmp_path / "tanpa-nik.csv", ["Nama", "NPP", "TMT"], [["SITI", NPP_A, "01/04/2021"]])
    r = cli("bpjs", "reconcile", f, ok=False)
    assert r.exit_code == 1 and "no NIK column" in r.stderr and "no KPJ column" in r.stderr
    # duplicate NIKs with conflicting data, a bad NIK, a bad date, a bad status: every reason
    rows = branch_rows()
    rows.append([P["Siti Aminah"][1], P["Siti Aminah"][0], "SITI AMINAH", NPP_A, "01/04/2021", "Aktif", "", "JKK, JKM",
                 "PU"])  # fmt: skip
    rows.append(["99999999999", "3215050000000001", "X", NPP_A, "01/04/2021", "Aktif", "", "", ""])
    rows.append(["98989898989", nik(20), "Y", NPP_A, "31/02/2021", "Aktif", "", "", ""])
    rows.append(["97979797979", nik(21), "Z", NPP_A, "01/04/2021", "mungkin", "", "", ""])
    rows.append(["11111111111", nik(22), "W", NPP_A, "01/04/2021", "Aktif", "", "", ""])  # Siti's KPJ, another NIK
    f = write_csv(tmp_path / "salah.csv", HEADER, rows)
    r = cli("bpjs", "reconcile", f, "--apply", "--json", ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "5 of 17 rows are invalid; nothing was reconciled" in r.stderr
    for reason in (
        "the same person, NPP and TMT as line 6 with other programmes",
        "birth day 00",
        "tmt",
        "must be aktif or nonaktif",
        "for the same KPJ",
    ):
        assert reason in r.stderr, reason
    assert P["Siti Aminah"][0] not in r.stderr
    assert state(engine) == before


def test_apply_records_what_the_list_proves_and_leaves_the_disagreements(office, cli, tmp_path, engine):
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    r = cli("bpjs", "reconcile", f, "--apply", "--json")
    doc = json.loads(r.stdout)
    assert doc["applied"] == {"enrolled": 1, "ended": 1, "kpj_recorded": 1, "verified": 3}
    # left: Agus (absent), Andi and Lina (not on the roster), Joko (disagree), Wati twice, Hadi
    assert doc["left"] == 7
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.name, e.kpj, e.start_on, e.end_on FROM enrollment e JOIN person p ON p.id = e.person_id "
                "WHERE e.coop_id = :a ORDER BY p.name"
            ),
            {"a": office["a"]},
        ).all()
    got = {name: (kpj, str(start)[:10], str(end)[:10] if end else None) for name, kpj, start, end in rows}
    assert got["Budi Santoso"] == ("22222222222", "2021-04-01", None)  # the KPJ koptrack lacked
    assert got["Dewi Lestari"] == ("33333333333", "2021-04-01", "2021-09-30")  # ended as BPJS shows
    assert got["Rina Marlina"] == ("55555555555", "2021-05-01", None)  # enrolled: on the roster
    assert got["Joko Widodo"] == ("66666666666", "2021-04-01", None)  # the disagreement is left
    assert got["Agus Salim"][2] is None  # absent from the list: left for a person
    assert "Andi" not in " ".join(got)
    entry = cli.json("log", "--limit", "1")[0]
    assert entry["command"] == "bpjs reconcile" and entry["entity_id"] == "peserta.csv"
    assert entry["summary"]["list_date"] == "2021-12-31" and entry["summary"]["left"] == 7
    assert "55555555555" not in json.dumps(entry)
    # the same list again: nothing more to apply
    again = cli.json("bpjs", "reconcile", f, "--apply")
    assert again["applied"]["enrolled"] == 0 and again["applied"]["ended"] == 0
    assert again["applied"]["kpj_recorded"] == 0


def test_apply_is_undone_whole(office, cli, tmp_path, engine):
    before = table_dump(engine)
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    cli("bpjs", "reconcile", f, "--apply")
    cli("undo")
    after = table_dump(engine)
    assert after == before


def test_verified_coverage_beside_the_declared_one(office, cli, tmp_path, engine):
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    # before any list: the flag shows zeros and says no list confirmed anything
    r = cli("bpjs", "status", "--verified", "--as-of", "2021-12-31", "--json")
    assert {x["name"]: x["verified"] for x in json.loads(r.stdout) if x["name"] in (A, B)} == {A: 0, B: 0}
    r = cli("bpjs", "status", "--verified", "--as-of", "2021-12-31")
    assert "no BPJS participant list has confirmed an enrollment yet" in r.stderr
    plain = cli.json("bpjs", "status", "--as-of", "2021-12-31")
    assert "verified" not in plain[0]
    cli("bpjs", "reconcile", f, "--apply")
    with engine.connect() as conn:
        stamped = conn.execute(
            text(
                "SELECT p.name, e.verified_on, e.verified_by FROM enrollment e JOIN person p ON p.id = e.person_id "
                "WHERE e.verified_on IS NOT NULL ORDER BY p.name"
            )
        ).all()
    assert [(n, str(d)[:10], by) for n, d, by in stamped] == [
        (name, "2021-12-31", "peserta.csv") for name in ("Budi Santoso", "Eko Prasetyo", "Rina Marlina", "Siti Aminah")
    ]
    r = cli("bpjs", "status", "--verified", "--as-of", "2021-12-31", "--json")
    rows = {x["name"]: x for x in json.loads(r.stdout)}
    # A: Siti, Budi, Agus, Rina, Joko, Eko, Wati running; Siti, Budi, Eko, Rina confirmed
    assert (rows[A]["enrolled"], rows[A]["verified"], rows[A]["verified_share"]) == (7, 4, 57.1)
    assert (rows[B]["enrolled"], rows[B]["verified"]) == (2, 0)
    r = cli("bpjs", "status", "--verified", "--as-of", "2021-12-31")
    assert "verified: 4 of 8 people enrolled on 2021-12-31 (50.0%)" in r.stderr
    assert "latest list peserta.csv of 2021-12-31" in r.stderr
    assert "Verified" in r.stdout
    # targets: the verified people beside the declared ones, and the workbook says how much and when
    cli("targets", "set", "2021", "bpjs.enrolled_people", "10")
    r = cli("targets", "2021", "--verified", "--json")
    row = next(x for x in json.loads(r.stdout) if x["metric"] == "bpjs.enrolled_people" and x["segment"] == "all")
    assert (row["actual"], row["verified"], row["verified_share"]) == (8, 4, 50.0)
    assert "verified: 4 of 8 people enrolled" in cli("targets", "2021").stderr
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "targets.xlsx"
    cli("targets", "2021", "--xlsx", out)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert "Verified by BPJS" in wb.sheetnames
    sheet = list(wb["Verified by BPJS"].iter_rows(values_only=True))
    assert sheet[1][1:4] == (8, 4, 0.5) and sheet[1][5] == "peserta.csv", sheet  # 50 % as a percentage cell
    assert str(sheet[1][4])[:10] == "2021-12-31"


def test_apply_leaves_a_kpj_that_is_another_persons(office, cli, tmp_path, engine):
    rows = branch_rows()
    rows[3][0] = P["Agus Salim"][1]  # Rina's row carries Agus's KPJ (Agus is not in the list)
    rows[1][0] = P["Joko Widodo"][1]  # Budi's KPJ koptrack lacked: Joko's in koptrack (Joko's row has another)
    f = write_csv(tmp_path / "peserta.csv", HEADER, rows)
    doc = cli.json("bpjs", "reconcile", f, "--apply")
    assert doc["applied"]["enrolled"] == 0 and doc["applied"]["kpj_recorded"] == 0
    assert doc["left"] == 7 + 2
    with engine.connect() as conn:
        kpjs = dict(
            conn.execute(text("SELECT p.name, e.kpj FROM enrollment e JOIN person p ON p.id = e.person_id")).all()
        )
    assert "Rina Marlina" not in kpjs and kpjs["Budi Santoso"] is None


@pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL server (the PostgreSQL pass)")
@pytest.mark.xdist_group("postgres_roles")  # roles belong to the server: one worker creates them
def test_the_province_role_reconciles_and_writes_nothing(office, cli, tmp_path, db_path, engine):
    """The province's role reads everything and writes nothing (deploy/postgres-roles.sql): the
    reconciliation's temporary tables are its session's own (PUBLIC may create them unless the
    owner took that away), so it sees every class; --apply is refused, nothing written."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    owner = create_engine(db_path, isolation_level="AUTOCOMMIT")
    role = f"province_{uuid.uuid4().hex[:8]}"
    raw = owner.raw_connection()
    try:
        raw.cursor().execute(ROLES_SQL.read_text())
        raw.commit()
    finally:
        raw.close()
    with owner.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN IN ROLE koptrack_province')
    try:
        as_province = ("--db", make_url(db_path).set(username=role).render_as_string(hide_password=False))
        before = state(engine)
        f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
        doc = cli.json(*as_province, "bpjs", "reconcile", f)
        assert classes(doc) == {c: sorted(v) for c, v in EXPECTED.items()}
        r = cli(*as_province, "bpjs", "reconcile", f, "--apply", ok=False)
        assert r.exit_code == 1 and "Traceback" not in r.stderr
        assert "permission denied for table enrollment" in r.stderr
        assert state(engine) == before
        # a server whose owner took the TEMPORARY privilege from PUBLIC: one clean refusal
        with owner.connect() as conn:
            conn.exec_driver_sql(f'REVOKE TEMPORARY ON DATABASE "{make_url(db_path).database}" FROM PUBLIC')
        r = cli(*as_province, "bpjs", "reconcile", f, ok=False)
        assert r.exit_code == 1 and "Traceback" not in r.stderr
        assert "permission denied to create temporary tables" in r.stderr
    finally:
        with owner.connect() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        owner.dispose()


def test_the_same_list_in_other_forms_gives_the_same_classes(office, cli, tmp_path, monkeypatch):
    """A list is checked a chunk at a time, column by column, and row by row where a value is in
    a form only the full check reads (a NIK written in groups, an NPP in small letters, a name
    not in ASCII): every form, and every chunk size, gives the same classes and details (a
    class's people read in one query or two)."""
    from koptrack.core import reconcile

    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    plain = cli.json("bpjs", "reconcile", f)
    rows = branch_rows()
    rows[0][1] = " ".join((rows[0][1][:4], rows[0][1][4:8], rows[0][1][8:12], rows[0][1][12:]))
    rows[4][3] = NPP_A.lower()
    rows[8][2] = "WATI SUSANT\u00cf"  # not ASCII
    g = write_csv(tmp_path / "peserta-lain.csv", HEADER, rows)
    for batch, first in ((20_000, 100), (3, 1), (1, 2)):
        monkeypatch.setattr(reconcile, "LOAD_BATCH", batch)
        monkeypatch.setattr(reconcile, "FIRST_ROWS", first)  # a class's rows read in two queries
        for path in (f, g):
            doc = cli.json("bpjs", "reconcile", path)
            assert doc["people"] == plain["people"] and doc["coops"] == plain["coops"], (batch, path.name)
            assert doc["rows_read"] == 12 and doc["duplicates"] == 1


def test_a_name_spelled_otherwise_is_still_confirmed(office, cli, tmp_path):
    """A confirmed person whose name the list spells with more than other letter case (a dot, a
    doubled letter) is classed person by person, not by the set-based statements: still confirmed."""
    rows = branch_rows()
    rows[0][2] = rows[7][2] = "SITI AMINAH."  # Siti is sent twice
    rows[1][2] = "BUDI SANTTOSO"
    doc = cli.json("bpjs", "reconcile", write_csv(tmp_path / "peserta.csv", HEADER, rows))
    assert classes(doc) == {c: sorted(v) for c, v in EXPECTED.items()}
    names = {r["name"] for r in doc["people"]["confirmed"]}
    assert names == {"Siti Aminah", "Budi Santoso", "Eko Prasetyo"}  # koptrack's spelling


def test_narrowing_to_the_cooperative_with_the_confirmed_people(office, cli, tmp_path):
    f = write_csv(tmp_path / "peserta.csv", HEADER, branch_rows())
    doc = cli.json("bpjs", "reconcile", f, "--coop", A)
    assert classes(doc) == {c: sorted(x for x in v if x[1] == A) for c, v in EXPECTED.items()}
    assert doc["summary"]["confirmed"] == 3 and [r["coop"] for r in doc["coops"]] == [A]


def test_a_list_without_an_npp_column_is_the_named_cooperatives(office, cli, tmp_path):
    """Without an NPP column every row is --coop's: Lina, on A's roster, is one it has not
    enrolled; Hadi's enrollment through B is not shown when A is asked for."""
    header = [h for h in HEADER if h != "NPP"]
    rows = [r[:3] + r[4:] for r in branch_rows()]
    f = write_csv(tmp_path / "peserta.csv", header, rows)
    r = cli("bpjs", "reconcile", f, ok=False)
    assert r.exit_code == 1 and "no NPP column" in r.stderr
    doc = cli.json("bpjs", "reconcile", f, "--coop", A)
    expected = {c: sorted(x for x in v if x[1] == A) for c, v in EXPECTED.items()}
    expected["not_enrolled"] = sorted([("Lina Marlina", A), ("Rina Marlina", A)])
    assert classes(doc) == expected
