"""data/regions/jawa-barat.yaml: Jawa Barat's 27 regencies and their kecamatan load into koptrack,
Karawang agrees with the office seed, and both files load into one database, in turn and again,
without conflict or change."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import table_dump

ROOT = Path(__file__).resolve().parents[1]
JABAR = ROOT / "data" / "regions" / "jawa-barat.yaml"
SEED = ROOT / "data" / "seed.yaml"

REGENCY_CODES = [f"32.{n:02d}" for n in range(1, 19)] + [f"32.{n}" for n in range(71, 80)]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def kecamatan(doc: dict, regency: str | None = None) -> list[tuple[str, str]]:
    """(code, name) in file order, of one regency or all."""
    groups = doc["regions"]["kecamatan"]
    groups = groups if isinstance(groups, list) else [groups]
    return [(str(code), name) for g in groups if regency in (None, str(g["regency"])) for code, name in g["list"]]


@pytest.fixture(scope="module")
def jabar() -> dict:
    return load(JABAR)


@pytest.fixture(autouse=True)
def _no_default_regency(monkeypatch):
    monkeypatch.delenv("KOPTRACK_REGENCY", raising=False)


def test_the_file_holds_the_27_regencies_and_their_kecamatan(jabar):
    regencies = jabar["regions"]["regencies"]
    assert [r["code"] for r in regencies] == REGENCY_CODES
    assert {r["province"] for r in regencies} == {"Jawa Barat"}
    assert all(re.fullmatch(r"(Kabupaten|Kota) [A-Z][A-Za-z ]+", r["name"]) for r in regencies)
    rows = kecamatan(jabar)
    codes = [code for code, _ in rows]
    assert len(rows) == 627 and len(set(codes)) == len(codes)
    assert set(Counter(code[:5] for code in codes)) == set(REGENCY_CODES)  # every regency has kecamatan
    for group in jabar["regions"]["kecamatan"]:
        assert all(code.startswith(group["regency"] + ".") for code, _ in group["list"]), group["regency"]
    for code, name in rows:
        assert re.fullmatch(r"32\.\d\d\.\d\d", code), code
        assert isinstance(name, str) and name == name.strip() and "  " not in name and name, code


def test_karawang_is_the_seeds_karawang(jabar):
    seed = load(SEED)
    assert kecamatan(jabar, "32.15") == kecamatan(seed, "32.15")
    assert len(kecamatan(jabar, "32.15")) == 30
    ours = next(r for r in jabar["regions"]["regencies"] if r["code"] == "32.15")
    theirs = next(r for r in seed["regions"]["regencies"] if r["code"] == "32.15")
    assert ours == theirs
    # a source both files define must read the same, or loading one after the other would flip it
    ours, theirs = ({s["key"]: s for s in doc["sources"]} for doc in (jabar, seed))
    for key in ours.keys() & theirs.keys():
        assert ours[key] == theirs[key], key


def test_loads_into_an_empty_database_and_lists_every_regency(cli, jabar):
    created = cli.json("seed", str(JABAR))["created"]
    assert created["regencies"] == 27 and created["kecamatan"] == 627
    listed = cli.json("kecamatan", "list", "--regency", "all")
    assert sorted((k["code"], k["name"]) for k in listed) == sorted(kecamatan(jabar))
    per_regency = Counter(k["regency_code"] for k in listed)
    assert sorted(per_regency) == REGENCY_CODES
    assert per_regency == Counter(code[:5] for code, _ in kecamatan(jabar))
    names = {r["code"]: r["name"] for r in jabar["regions"]["regencies"]}
    assert all(k["regency"] == names[k["regency_code"]] for k in listed)
    for regency in ("32.01", "32.15", "32.79"):
        one = cli.json("kecamatan", "list", "--regency", regency)
        assert [(k["code"], k["name"]) for k in one] == kecamatan(jabar, regency)
    assert len(cli.json("kecamatan", "list")) == 627  # no regency chosen: the whole database


def test_province_then_seed_then_province_again_changes_nothing(cli, jabar, engine):
    cli("seed", str(JABAR))
    cli("seed")  # the office's seed on top: its Karawang rows are the same rows
    assert len(cli.json("kecamatan", "list", "--regency", "all")) == 627
    before = table_dump(engine)
    again = cli.json("seed", str(JABAR))["created"]
    assert not any(again.values())
    assert table_dump(engine) == before
    listed = cli.json("kecamatan", "list", "--regency", "all")
    assert len(listed) == 627
    assert [k["name"] for k in listed if k["code"] == "32.15.05"] == ["Klari"]
    # the seed's cooperative (Klari) is still where the seed put it
    assert [c["kecamatan_code"] for c in cli.json("coop", "list", "--regency", "all")] == ["32.15.05"]


def test_seed_first_then_the_province_adds_only_the_other_regencies(cli):
    cli("seed")
    created = cli.json("seed", str(JABAR))["created"]
    assert created["regencies"] == 26 and created["kecamatan"] == 627 - 30
    assert len(cli.json("kecamatan", "list", "--regency", "all")) == 627
