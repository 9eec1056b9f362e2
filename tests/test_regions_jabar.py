"""data/regions/jawa-barat.yaml: the province's regencies and kecamatan load into koptrack,
agree with the Karawang seed, and load together with it, twice, without conflict."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
JABAR = ROOT / "data" / "regions" / "jawa-barat.yaml"


def groups(doc) -> dict[str, list]:
    kec = doc["regions"]["kecamatan"]
    return {g["regency"]: g["list"] for g in (kec if isinstance(kec, list) else [kec])}


def test_the_file_is_jawa_barat_and_karawang_matches_the_seed():
    doc = yaml.safe_load(JABAR.read_text(encoding="utf-8"))
    regencies = [r["code"] for r in doc["regions"]["regencies"]]
    assert len(regencies) == 27 and len(set(regencies)) == 27
    assert all(code.startswith("32.") for code in regencies)
    assert {r["province"] for r in doc["regions"]["regencies"]} == {"Jawa Barat"}
    seed = yaml.safe_load((ROOT / "data" / "seed.yaml").read_text(encoding="utf-8"))
    assert groups(doc)["32.15"] == groups(seed)["32.15"]
    for regency, items in groups(doc).items():
        assert regency in regencies
        assert all(code.startswith(regency + ".") for code, _ in items), regency


def test_loads_with_the_seed_twice_without_conflict(cli):
    doc = yaml.safe_load(JABAR.read_text(encoding="utf-8"))
    expected = sum(len(items) for items in groups(doc).values())
    first = cli.json("seed", str(JABAR))["created"]
    assert first["regencies"] == 27 and first["kecamatan"] == expected
    cli("seed")  # Karawang's facts on top: its kecamatan are the same rows
    again = cli.json("seed", str(JABAR))["created"]
    assert not any(again.values())
    listed = cli.json("kecamatan", "list", "--regency", "all")
    assert len(listed) == expected
    assert {k["regency_code"] for k in listed} == set(groups(doc))
    klari = [k for k in listed if k["code"] == "32.15.05"]
    assert [k["name"] for k in klari] == ["Klari"]
