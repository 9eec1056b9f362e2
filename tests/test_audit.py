"""Audit trail: every write is recorded, with masked identifiers only, and cannot be altered."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

NIK = "3215055203900001"


def test_each_write_is_one_entry_with_user_command_and_masked_nik(cli, engine):
    cli("seed")
    cli("coop", "add", "KSP Maju", "--kind", "ksp", "--kecamatan", "Klari")
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        NIK,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "register", "--coop", "2", "--on", "2021-02-01")
    cli("bpjs", "enroll", "--coop", "2", "--nik", NIK, "--on", "2021-04-01", "--kpj", "12345678901")
    cli("targets", "set", "2022", "pkspkb.joined", "3")
    cli("coop", "edit", "2", "--base", "karyawan")
    entries = cli.json("log", "--limit", "0")
    assert [e["command"] for e in reversed(entries)] == [
        "seed",
        "coop add",
        "worker add",
        "bpjs register",
        "bpjs enroll",
        "targets set",
        "coop edit",
    ]
    assert all(e["user"] for e in entries)
    edit = entries[0]
    assert edit["summary"]["before"] == {"base": "unknown"} and edit["summary"]["after"] == {"base": "karyawan"}
    only_coop = cli.json("log", "--coop", "2")
    assert {e["command"] for e in only_coop} == {"coop add", "worker add", "bpjs register", "bpjs enroll", "coop edit"}
    # Everything but the undo payload (which may hold identifiers, as the tables do) is masked.
    with engine.connect() as conn:
        raw = " ".join(
            str(r)
            for r in conn.execute(
                text("SELECT id, at, os_user, command, entity, entity_id, coop_id, summary FROM audit_log")
            )
        )
    assert NIK not in raw and "12345678901" not in raw
    assert "321505******0001" in raw
    shown = json.dumps(cli.json("log", "--limit", "0"), default=str) + cli("log", "--limit", "0").stdout
    assert NIK not in shown and "12345678901" not in shown


def test_each_write_through_the_cli_carries_what_undo_needs(cli, engine):
    """Every command named in issue 13 item 15 records the rows before and after it."""
    cli("seed")
    cli("coop", "add", "KSP Maju", "--kind", "ksp", "--kecamatan", "Klari")
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        NIK,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "register", "--coop", "2", "--on", "2021-02-01")
    cli("bpjs", "enroll", "--coop", "2", "--nik", NIK, "--on", "2021-04-01")
    cli("pkspkb", "join", "--coop", "2", "--on", "2021-05-10")
    cli("pkspkb", "leave", "--coop", "2", "--on", "2021-07-01")
    cli("bpjs", "end", "--coop", "2", "--nik", NIK, "--on", "2021-08-01")
    cli("worker", "leave", "--coop", "2", "--nik", NIK, "--on", "2021-09-01")
    cli("bpjs", "deregister", "--coop", "2", "--on", "2021-10-01")
    cli("coop", "edit", "2", "--name", "KSP Maju Jaya")
    with engine.connect() as conn:
        entries = conn.execute(text("SELECT command, undo FROM audit_log ORDER BY id")).all()
    assert entries[0] == ("seed", None)  # the seed is restored from a backup, not undone
    tables = {command: [c["table"] for c in json.loads(undo)["changes"]] for command, undo in entries[1:]}
    assert tables == {
        "coop add": ["cooperative"],
        "worker add": ["person", "engagement"],
        "bpjs register": ["bpjs_registration"],
        "bpjs enroll": ["enrollment"],
        "pkspkb join": ["pkspkb_membership"],
        "pkspkb leave": ["pkspkb_membership"],
        "bpjs end": ["enrollment"],
        "worker leave": ["engagement"],
        "bpjs deregister": ["bpjs_registration"],
        "coop edit": ["cooperative"],
    }
    edit = json.loads(entries[-1][1])["changes"][0]
    assert (edit["before"]["name"], edit["after"]["name"]) == ("KSP Maju", "KSP Maju Jaya")


def test_refused_write_leaves_no_entry(cli):
    cli("seed")
    before = cli.json("log", "--limit", "0")
    cli("coop", "add", "X", "--kind", "ksp", "--kecamatan", "Nowhere", ok=False)
    assert cli.json("log", "--limit", "0") == before


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET os_user = 'someone'", "DELETE FROM audit_log"])
def test_audit_log_is_append_only_in_the_database(cli, engine, statement):
    cli("seed")
    with pytest.raises(DatabaseError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    assert len(cli.json("log")) == 1
