"""`koptrack undo` (issue 13, item 15): every kind of change is reversed to the exact rows it
found; refused (one `error:` line, nothing changed) when a later change depends on it, for an
import or the seed, and twice; an undo is a change of its own and can be undone; the log shows
the masked summary only, never the undo payload."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from conftest import refused, snapshot, table_dump

SITI = "3215055203900001"
BUDI = "3215051208850002"
ANDI = "3215050101800003"
COOP = "KSP Maju Bersama"
OTHER = "Koperasi Produsen Tani Subur"


def last_id(cli) -> int:
    return cli.json("log", "--limit", "1")[0]["id"]


@pytest.fixture
def office(cli):
    """Coop 2, a KSP registered from 2021-01-04; Siti (karyawan) and Budi (anggota) since then;
    Siti enrolled from 2021-04-01; coop 3, a producer cooperative with nobody yet."""
    cli("seed")
    cli("coop", "add", COOP, "--kind", "ksp", "--kecamatan", "Klari")
    cli("coop", "add", OTHER, "--kind", "produsen", "--kecamatan", "Klari")
    cli(
        "worker",
        "add",
        "--coop",
        2,
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli(
        "worker",
        "add",
        "--coop",
        2,
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "anggota",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "register", "--coop", 2, "--on", "2021-01-04", "--npp", "AB123456")
    cli("bpjs", "enroll", "--coop", 2, "--nik", SITI, "--on", "2021-04-01", "--kpj", "12345678901")
    return 2


# (setup commands, the change to undo)
CHANGES = {
    "coop add": ([], ["coop", "add", "KSP Sumber Rejeki", "--kind", "ksp", "--kecamatan", "Klari"]),
    "coop edit (rename)": ([], ["coop", "edit", "2", "--name", "KSP Maju Bersama Sejahtera", "--base", "karyawan"]),
    "worker add (new person)": (
        [],
        [
            "worker",
            "add",
            "--coop",
            "2",
            "--nik",
            ANDI,
            "--name",
            "Andi",
            "--role",
            "karyawan",
            "--since",
            "2021-02-01",
        ],
    ),
    "worker add (known person)": (
        [],
        [
            "worker",
            "add",
            "--coop",
            "3",
            "--nik",
            BUDI,
            "--name",
            "Budi Santoso",
            "--role",
            "anggota",
            "--since",
            "2021-02-01",
        ],
    ),
    "worker leave (ends the enrollment)": ([], ["worker", "leave", "--coop", "2", "--nik", SITI, "--on", "2021-06-30"]),
    "bpjs register": ([], ["bpjs", "register", "--coop", "3", "--on", "2021-02-01"]),
    "bpjs deregister": ([], ["bpjs", "deregister", "--coop", "2", "--on", "2021-12-01"]),
    "bpjs enroll": ([], ["bpjs", "enroll", "--coop", "2", "--nik", BUDI, "--on", "2021-05-01"]),
    "bpjs end": ([], ["bpjs", "end", "--coop", "2", "--nik", SITI, "--on", "2021-09-01"]),
    "pkspkb join": ([], ["pkspkb", "join", "--coop", "2", "--on", "2021-05-10", "--agreement", "PKS/123/2021"]),
    "pkspkb leave": (
        [["pkspkb", "join", "--coop", "2", "--on", "2021-05-10"]],
        ["pkspkb", "leave", "--coop", "2", "--on", "2022-01-01"],
    ),
    "worker edit (name)": ([], ["worker", "edit", "--nik", SITI, "--name", "Siti Aminah Putri"]),
    "worker edit (nik)": ([], ["worker", "edit", "--nik", SITI, "--new-nik", "3215051203900001"]),
    "worker edit (engagement)": (
        [],
        [
            "worker",
            "edit",
            "--coop",
            "2",
            "--nik",
            "Budi Santoso",
            "--new-since",
            "2021-01-11",
            "--new-role",
            "karyawan",
        ],
    ),
    "worker remove (and the person)": ([], ["worker", "remove", "--coop", "2", "--nik", BUDI]),
    "bpjs edit (enrollment)": ([], ["bpjs", "edit", "--coop", "2", "--nik", SITI, "--kpj", "12345678910"]),
    "bpjs edit (registration)": ([], ["bpjs", "edit", "--coop", "2", "--npp", "AB654321", "--new-since", "2021-01-02"]),
    "bpjs remove": ([], ["bpjs", "remove", "--coop", "2", "--nik", SITI]),
    "bpjs unregister": ([["bpjs", "remove", "--coop", "2", "--nik", SITI]], ["bpjs", "unregister", "--coop", "2"]),
    "pkspkb edit": (
        [["pkspkb", "join", "--coop", "2", "--on", "2021-05-10"]],
        ["pkspkb", "edit", "--coop", "2", "--agreement", "PKS/124/2021", "--new-until", "2022-01-01"],
    ),
    "coop deactivate": ([], ["coop", "deactivate", "3", "--on", "2022-01-01"]),
    "coop activate": (
        [["coop", "deactivate", "3", "--on", "2022-01-01"]],
        ["coop", "activate", "3", "--on", "2022-06-01"],
    ),
    "pkspkb remove": ([["pkspkb", "join", "--coop", "2", "--on", "2021-05-10"]], ["pkspkb", "remove", "--coop", "2"]),
}


@pytest.mark.parametrize("setup, change", list(CHANGES.values()), ids=list(CHANGES))
def test_undo_puts_back_exactly_what_each_change_found(cli, engine, office, setup, change):
    for args in setup:
        cli(*args)
    before = table_dump(engine)
    cli(*change)
    changed = last_id(cli)
    assert table_dump(engine) != before
    out = cli.json("undo")
    assert out["undid"] == changed and out["command"] == " ".join(change[:2])
    assert table_dump(engine) == before
    entry = cli.json("log", "--limit", "1")[0]
    assert (entry["command"], entry["summary"]["action"], entry["summary"]["undoes"]) == ("undo", "undo", changed)


def test_the_undo_says_what_it_reversed(cli, office):
    cli("worker", "edit", "--nik", SITI, "--name", "Siti Aminah Putri")
    result = cli("undo")
    assert "undid change" in result.stderr and "(worker edit)" in result.stderr
    assert "name Siti Aminah Putri -> Siti Aminah" in result.stderr


def test_undo_is_refused_while_a_later_change_depends_on_it(cli, engine, office):
    cli("worker", "add", "--coop", 2, "--nik", ANDI, "--name", "Andi", "--role", "karyawan", "--since", "2021-02-01")
    added = last_id(cli)
    cli("bpjs", "enroll", "--coop", 2, "--nik", "Andi", "--on", "2021-05-01")
    enrolled = last_id(cli)
    before = snapshot(engine)
    err = refused(cli("undo", added, ok=False))
    assert f"change {added} (worker add) cannot be undone" in err and f"change {enrolled} (bpjs enroll)" in err
    assert f"undo change {enrolled} first" in err
    assert snapshot(engine) == before
    # undo the later change first, then the earlier one goes
    assert cli.json("undo")["undid"] == enrolled
    assert cli.json("undo", added)["undid"] == added
    assert "Andi" not in json.dumps(table_dump(engine)["person"], default=str)


def test_undo_is_refused_when_a_later_change_touched_the_same_row(cli, engine, office):
    cli("worker", "edit", "--nik", SITI, "--name", "Siti A.")
    first = last_id(cli)
    cli("worker", "edit", "--nik", SITI, "--name", "Siti Aminah Putri")
    second = last_id(cli)
    before = snapshot(engine)
    err = refused(cli("undo", first, ok=False))
    assert f"change {first} (worker edit) cannot be undone" in err and f"change {second} (worker edit)" in err
    assert f"undo change {second} first" in err
    assert snapshot(engine) == before


def test_undo_of_a_cooperative_with_people_is_refused(cli, engine, office):
    cli("worker", "add", "--coop", 3, "--nik", ANDI, "--name", "Andi", "--role", "anggota", "--since", "2021-02-01")
    before = snapshot(engine)
    err = refused(cli("undo", 3, ok=False))  # change 3: coop add of cooperative 3
    assert "(coop add) cannot be undone" in err
    assert snapshot(engine) == before


def test_undo_refused_when_what_it_would_put_back_is_taken_again(cli, engine, office):
    cli("worker", "remove", "--coop", 2, "--nik", BUDI)
    removed = last_id(cli)
    # Budi registered again from scratch: a new person with the same NIK
    cli(
        "worker",
        "add",
        "--coop",
        2,
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "anggota",
        "--since",
        "2021-01-04",
    )
    before = snapshot(engine)
    err = refused(cli("undo", removed, ok=False))
    assert "cannot be undone" in err
    assert snapshot(engine) == before


def test_an_undo_can_be_undone(cli, engine, office):
    cli("worker", "edit", "--nik", SITI, "--name", "Siti Aminah Putri")
    edit = last_id(cli)
    first = cli.json("undo")
    assert first["undid"] == edit
    names = lambda: [p["name"] for p in table_dump(engine)["person"]]  # noqa: E731
    assert "Siti Aminah" in names()
    redo = cli.json("undo", first["change_id"])
    assert redo["undid"] == first["change_id"]
    assert "Siti Aminah Putri" in names()
    # the edit is in force again: a plain undo reverses it once more
    assert cli.json("undo")["undid"] == edit
    assert "Siti Aminah" in names()


def test_an_undone_change_is_not_undone_twice(cli, engine, office):
    cli("worker", "edit", "--nik", SITI, "--name", "Siti Aminah Putri")
    edit = last_id(cli)
    undone = cli.json("undo", edit)["change_id"]
    before = snapshot(engine)
    err = refused(cli("undo", edit, ok=False))
    assert f"already undone by change {undone}" in err
    assert snapshot(engine) == before


def test_plain_undo_walks_back_through_the_users_changes(cli, engine, office):
    cli("worker", "edit", "--nik", SITI, "--name", "Siti A.")
    cli("worker", "edit", "--nik", BUDI, "--name", "Budi S.")
    cli("undo")
    cli("undo")
    assert {p["name"] for p in table_dump(engine)["person"]} >= {"Siti Aminah", "Budi Santoso"}


def test_plain_undo_takes_the_current_users_last_change(cli, engine, office, monkeypatch):
    import getpass

    cli("worker", "edit", "--nik", SITI, "--name", "Siti A.")
    mine = last_id(cli)
    me = getpass.getuser()
    monkeypatch.setattr(getpass, "getuser", lambda: "alice" if me != "alice" else "bob")
    cli("worker", "edit", "--nik", BUDI, "--name", "Budi S.")
    monkeypatch.setattr(getpass, "getuser", lambda: me)
    assert cli.json("undo")["undid"] == mine
    assert {p["name"] for p in table_dump(engine)["person"]} >= {"Siti Aminah", "Budi S."}


def test_the_seed_and_imports_cannot_be_undone(cli, engine, office, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(f"NIK,Nama,Peran,Tanggal Masuk\n{ANDI},Andi,anggota,2021-02-01\n", encoding="utf-8")
    cli("import", "people", str(roster), "--coop", "3")
    imported = last_id(cli)
    before = snapshot(engine)
    err = refused(cli("undo", ok=False))  # the user's last change is the import
    assert f"change {imported} (import people) cannot be undone: restore a backup" in err
    err = refused(cli("undo", 1, ok=False))
    assert "change 1 (seed) cannot be undone: restore a backup" in err
    assert snapshot(engine) == before


@pytest.mark.parametrize("ref, says", [("999", "no change has this number"), ("last", "number of a change")])
def test_an_unknown_change_is_refused(cli, engine, office, ref, says):
    before = snapshot(engine)
    assert says in refused(cli("undo", ref, ok=False))
    assert snapshot(engine) == before


def test_a_user_with_nothing_to_undo_is_told_so(cli, engine):
    err = refused(cli("undo", ok=False))
    assert "no change to undo" in err


def test_the_log_never_shows_the_undo_payload(cli, engine, office):
    cli("worker", "edit", "--nik", SITI, "--new-nik", "3215051203900001")
    cli("undo")
    shown = json.dumps(cli.json("log", "--limit", "0")) + cli("log", "--limit", "0").stdout
    assert "undo" not in {k for e in cli.json("log", "--limit", "0") for k in e}
    for secret in (SITI, "3215051203900001", BUDI, "12345678901"):
        assert secret not in shown
    with engine.connect() as conn:
        payload = conn.execute(text("SELECT undo FROM audit_log ORDER BY id DESC LIMIT 1")).scalar()
    assert json.loads(payload)["undoes"] == last_id(cli) - 1


def test_plain_undo_passes_over_a_record_that_personal_data_was_shown(cli, tmp_path):
    """`worker list --show-nik` writes a reveal entry; it changes nothing, so plain `undo` takes
    the change before it."""
    cli("seed")
    cid = cli.json("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")["id"]
    cli("worker", "add", "--coop", str(cid), "--nik", "3215055203900001", "--name", "Siti Aminah", "--role",
        "karyawan", "--since", "2021-01-04")  # fmt: skip
    cli("worker", "list", "--coop", str(cid), "--show-nik")
    result = cli("undo")
    assert "worker add" in result.stdout + result.stderr
    assert cli.json("worker", "list", "--coop", str(cid)) == []
