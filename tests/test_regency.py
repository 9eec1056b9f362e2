"""A province database: several regencies side by side, each district office's view unchanged."""

from __future__ import annotations

import pytest

# Test data only (not seed facts): a second regency, 32.16, with one kecamatan whose name also
# exists in Karawang, and one of its own.
OTHER_REGENCY = """
format: 1
regions:
  regencies:
    - {code: "32.16", name: Kabupaten Contoh, province: Jawa Barat}
  kecamatan:
    - regency: "32.16"
      list:
        - ["32.16.01", Klari]
        - ["32.16.02", Sukamaju Contoh]
targets:
  - {year: 2021, regency: "32.16", metric: bpjs.registered_coops, kind: ksp, value: 5}
"""


@pytest.fixture
def province(cli, tmp_path):
    cli("seed")
    other = tmp_path / "other.yaml"
    other.write_text(OTHER_REGENCY)
    cli("seed", str(other))
    cli("coop", "add", "KSP Karawang Dua", "--kind", "ksp", "--kecamatan", "32.15.13")
    cli("coop", "add", "KSP Contoh Satu", "--kind", "ksp", "--kecamatan", "Sukamaju Contoh")
    cli("coop", "add", "KSP Contoh Dua", "--kind", "ksp", "--kecamatan", "32.16.01")
    for coop in ("2", "3", "4"):
        cli("bpjs", "register", "--coop", coop, "--on", "2021-05-01")
    return cli


def test_targets_per_regency_count_only_their_regency(province):
    cli = province
    every = {
        (r["regency"], r["segment"]): r["actual"]
        for r in cli.json("targets", "2021", "--regency", "all")
        if r["metric"] == "bpjs.registered_coops"
    }
    assert every[("32.15", "ksp")] == 2  # Makmur Mandiri + KSP Karawang Dua
    assert every[("32.16", "ksp")] == 2
    karawang = cli.json("targets", "2021", "--regency", "32.15")
    assert {r["regency"] for r in karawang} == {"32.15"} and len(karawang) == 5
    members = [r for r in karawang if r["metric"] == "pkspkb.members"][0]
    assert members["actual"] == 11  # the 2020 reported counts belong to Karawang


def test_default_regency_from_environment_keeps_the_district_view(province, monkeypatch):
    cli = province
    monkeypatch.setenv("KOPTRACK_REGENCY", "32.15")
    assert {r["regency"] for r in cli.json("coop", "list")} == {"32.15"}
    assert {r["id"] for r in cli.json("bpjs", "status", "--as-of", "2021-12-31")} == {1, 2}
    assert [r["regency"] for r in cli.json("targets", "2021")] == ["32.15"] * 5
    assert len(cli.json("coop", "list", "--regency", "all")) == 4
    # a name found in two regencies means the office's own
    added = cli.json("coop", "add", "Kop Jasa Klari", "--kind", "jasa", "--kecamatan", "Klari")
    assert added["kecamatan_code"] == "32.15.05"


def test_ambiguous_kecamatan_name_without_a_default_regency_is_refused(province):
    result = province("coop", "add", "Kop X", "--kind", "jasa", "--kecamatan", "Klari", ok=False)
    assert result.exit_code == 1
    assert "ambiguous" in result.stderr and "32.15.05" in result.stderr and "32.16.01" in result.stderr


def test_set_target_for_a_regency_and_bad_regency(province):
    cli = province
    row = cli.json("targets", "set", "2022", "pkspkb.joined", "4", "--regency", "3216")
    assert row["regency"] == "32.16"
    assert cli.json("targets", "--regency", "32.16") == [{"year": 2021, "targets": 1}, {"year": 2022, "targets": 1}]
    bad = cli("targets", "2021", "--regency", "99.99", ok=False)
    assert bad.exit_code == 1 and bad.stderr.startswith("error: regency '99.99'")


def test_pkspkb_status_per_regency(province):
    cli = province
    cli("pkspkb", "join", "--coop", "3", "--on", "2021-03-01")
    contoh = cli.json("pkspkb", "status", "--year", "2021", "--regency", "32.16")
    assert [m["id"] for m in contoh["members"]] == [3]
    assert contoh["years"][-1]["members"] == 1  # no Karawang reported counts here
    karawang = cli.json("pkspkb", "status", "--year", "2021", "--regency", "32.15")
    assert karawang["members"] == [] and karawang["years"][-1]["members"] == 11
