"""data/regions/jawa-barat.yaml: Jawa Barat's 27 regencies and their kecamatan load into koptrack,
Karawang agrees with the office seed, and both files load into one database, in turn and again,
without conflict or change."""

from __future__ import annotations

import copy
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


# --- the file against its source (Permendagri 72/2019), aliases, and spellings that resolve ---

DATA = ROOT / "tests" / "data"
PERMENDAGRI = DATA / "kode-wilayah-jawa-barat-permendagri-72-2019.tsv"
OTHER_LISTS = DATA / "kecamatan-spellings-jawa-barat-other-lists.tsv"
SOURCE_COMMIT = "b7ad440a1322e7be3189a16a8cac35f7d4c3d7f7"


def rows(path: Path) -> list[list[str]]:
    """The tab-separated rows of a vendored extract, its # header left out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def aliases(doc: dict, source: str | None = None) -> list[tuple[str, str]]:
    """(code, alias) in file order, of the groups citing `source` or of all."""
    groups = doc["regions"].get("aliases") or []
    groups = groups if isinstance(groups, list) else [groups]
    return [(str(code), alias) for g in groups if source in (None, g.get("source")) for code, alias in g["list"]]


def regency_name(source_name: str) -> str:
    """The source's `KAB. BANDUNG BARAT` / `KOTA BOGOR` as koptrack writes it."""
    return re.sub(r"^KAB\. ", "KABUPATEN ", source_name).title()


@pytest.fixture(scope="module")
def permendagri() -> dict[str, str]:
    table = dict(rows(PERMENDAGRI))  # code -> name
    assert len(table) == 1 + 27 + 627 and table["32"] == "JAWA BARAT"
    return table


def test_the_extract_names_its_repository_commit_file_and_regulation():
    header = PERMENDAGRI.read_text(encoding="utf-8").split("\n32\t")[0]
    for needed in ("github.com/cahyadsn/wilayah", SOURCE_COMMIT, "db/archive/wilayah_2020.sql", "Permendagri No 72"):
        assert needed in header, needed
    assert all(len(row) == 2 for row in rows(PERMENDAGRI))


def test_every_code_and_name_is_permendagri_72_2019s(jabar, permendagri):
    """Every regency and kecamatan of data/regions/jawa-barat.yaml, and Karawang's 30 in
    data/seed.yaml, has the code and the name (letter for letter) of the extract, and nothing is
    missing. The three typos of the 2025 transcription (Bonjogpicung, Pagelarang, Cubinong)
    fail here."""
    source = {s["key"]: s for s in jabar["sources"]}["permendagri-72-2019"]
    assert SOURCE_COMMIT in source["reference"] and "db/archive/wilayah_2020.sql" in source["reference"]
    regencies = {r["code"]: r["name"] for r in jabar["regions"]["regencies"]}
    assert regencies == {c: regency_name(n) for c, n in permendagri.items() if c.count(".") == 1}
    expected = {c: n for c, n in permendagri.items() if c.count(".") == 2}
    ours = kecamatan(jabar)
    assert len(ours) == len(expected) == 627
    wrong = {code: (name, expected.get(code)) for code, name in ours if expected.get(code) != name}
    assert not wrong, wrong
    seed = load(SEED)
    assert [r["code"] for r in seed["regions"]["regencies"]] == ["32.15"]
    assert seed["regions"]["regencies"][0]["name"] == regency_name(permendagri["32.15"])
    karawang = {c: n for c, n in expected.items() if c.startswith("32.15.")}
    assert dict(kecamatan(seed)) == karawang and len(karawang) == 30
    assert karawang["32.15.17"] == "Telagasari" and karawang["32.15.25"] == "Kota Baru"  # as shared/DOMAIN.md


def test_aliases_are_the_other_lists_spellings(jabar, permendagri):
    """An alias cited to a Kemendagri list is that list's spelling of the same code (the vendored
    comparison); the 2025 transcription's typos are neither names nor aliases; every alias's
    source is listed; Karawang's aliases are the same in both files."""
    other = rows(OTHER_LISTS)
    assert all(permendagri[code] == name for code, name, _, _ in other)
    keys = {s["key"] for s in jabar["sources"]}
    groups = jabar["regions"]["aliases"]
    assert all(g["source"] in keys for g in groups)
    for listed in ("permendagri-137-2017", "kepmendagri-300.2.2-2138-2025"):
        in_list = {(code, spelling) for code, _, spelling, source in other if source == listed}
        assert set(aliases(jabar, listed)) <= in_list, listed
    typos = {"Bonjogpicung", "Pagelarang", "Cubinong"}
    assert not typos & {a for _, a in aliases(jabar)} and not typos & {n for _, n in kecamatan(jabar)}
    everything = aliases(jabar)
    assert len(set(everything)) == len(everything)
    assert all(code in permendagri for code, _ in everything)
    karawang = sorted(a for a in everything if a[0].startswith("32.15."))
    assert karawang == sorted(aliases(load(SEED))) == [("32.15.17", "Talagasari"), ("32.15.25", "Kotabaru")]


@pytest.mark.parametrize(
    "typed, code",
    [
        ("Telagasari", "32.15.17"),  # Kemendagri's (refused before: "did you mean 'Talagasari'")
        ("Talagasari", "32.15.17"),  # BPS's: an alias
        ("Telaga Sari", "32.15.17"),  # as users type it
        ("kec. TALAGA SARI", "32.15.17"),
        ("Kota Baru", "32.15.25"),
        ("Kotabaru", "32.15.25"),
    ],
)
def test_the_office_seed_resolves_kemendagri_and_bps_spellings(cli, typed, code):
    cli("seed")
    added = cli.json("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", typed)
    assert added["kecamatan_code"] == code
    assert added["kecamatan"] == {"32.15.17": "Telagasari", "32.15.25": "Kota Baru"}[code]  # the stored name


@pytest.mark.parametrize(
    "typed, code",
    [
        ("Bojongpicung", "32.03.06"),
        ("Pagelaran", "32.03.18"),
        ("Limbangan", "32.05.38"),
        ("Balubur Limbangan", "32.05.38"),
        ("Bl. Limbangan", "32.05.38"),
        ("Kapetakan", "32.09.22"),
        ("Kepetakan", "32.09.22"),
        ("Trisi", "32.12.26"),
        ("Terisi", "32.12.26"),
        ("Gunungputri", "32.01.02"),  # the 2025 list's spelling without the space: no alias needed
        ("Talagasari", "32.15.17"),
    ],
)
def test_the_province_resolves_names_and_aliases(cli, typed, code):
    cli("seed", str(JABAR))
    added = cli.json("coop", "add", "Koperasi Produsen Tani Subur", "--kind", "produsen", "--kecamatan", typed)
    assert added["kecamatan_code"] == code


def test_cibinong_is_cianjurs_for_a_cianjur_office_and_ambiguous_without_one(cli, engine, monkeypatch):
    cli("seed", str(JABAR))
    before = table_dump(engine)
    refused = cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Cibinong", ok=False)
    assert refused.exit_code == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("error: kecamatan 'Cibinong': is ambiguous: kecamatan 32.01.01, 32.03.20")
    assert table_dump(engine) == before
    for regency, code in (("32.03", "32.03.20"), ("32.01", "32.01.01")):
        monkeypatch.setenv("KOPTRACK_REGENCY", regency)
        added = cli.json("coop", "add", f"KSP Maju Bersama {regency}", "--kind", "ksp", "--kecamatan", "Cibinong")
        assert added["kecamatan_code"] == code
    assert cli("coop", "add", "Kop X", "--kind", "jasa", "--kecamatan", "Cubinong", ok=False).exit_code == 1


def test_an_unknown_name_suggests_each_kecamatan_once_by_its_own_name(cli):
    cli("seed", str(JABAR))
    result = cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Telagasarii", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: kecamatan 'Telagasarii': is not a known kecamatan; did you mean 'Telagasari'"
    )
    assert result.stderr.count("Telagasari'") == 1 and "Talagasari" not in result.stderr


def test_an_alias_never_hides_another_kecamatans_own_name():
    """Core: an alias of one kecamatan that is another's name makes the text ambiguous (or the
    preferred regency's); a code keeps one choice however many aliases it has."""
    from koptrack.core.regions import KecamatanNames
    from koptrack.errors import ValidationError

    names = KecamatanNames(
        [("32.15.17", "Telagasari"), ("32.16.01", "Talagasari")],
        [("32.15.17", "Talagasari"), ("32.15.17", "Telaga-Sari"), ("32.15.17", "talagasari")],
    )
    with pytest.raises(ValidationError, match="ambiguous: kecamatan 32.15.17, 32.16.01"):
        names.match("Talagasari")
    assert names.match("Talagasari", prefer_regency="32.15") == "32.15.17"
    assert names.match("Talagasari", prefer_regency="32.16") == "32.16.01"
    assert names.match("telaga-sari") == "32.15.17"
    assert names.match("TELAGA SARI") == "32.15.17"
    assert names.match("32.15.17") == "32.15.17"
    with pytest.raises(ValidationError) as exc:
        names.match("Tlagasari")
    assert str(exc.value).count("'Talagasari'") == 1 and str(exc.value).count("'Telagasari'") == 1


def older(doc: dict, names: dict[str, str]) -> dict:
    """The document as an earlier version had it: these kecamatan names, and no aliases."""
    doc = copy.deepcopy(doc)
    doc["regions"].pop("aliases", None)
    groups = doc["regions"]["kecamatan"]
    for group in groups if isinstance(groups, list) else [groups]:
        group["list"] = [[code, names.get(code, name)] for code, name in group["list"]]
    return doc


def write(tmp_path: Path, name: str, doc: dict) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


OLD_NAMES = {
    "32.15.17": "Talagasari",
    "32.15.25": "Kotabaru",
    "32.03.06": "Bonjogpicung",
    "32.03.18": "Pagelarang",
    "32.03.20": "Cubinong",
    "32.09.22": "Kepetakan",
}


def test_seeding_again_renames_the_typos_and_adds_the_aliases(cli, engine, tmp_path, jabar):
    """A database seeded from the earlier files (typos, BPS's spelling as the name, no aliases):
    `koptrack seed` and the province file again rename those kecamatan in place, add the
    aliases, keep every cooperative where it was, and say so in the audit log; once more
    changes nothing."""
    cli("seed", str(write(tmp_path, "old-seed.yaml", older(load(SEED), OLD_NAMES))))
    cli("seed", str(write(tmp_path, "old-jabar.yaml", older(jabar, OLD_NAMES))))
    old = cli.json("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Talagasari")
    cianjur = cli.json("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Cubinong")
    assert (old["kecamatan_code"], cianjur["kecamatan_code"]) == ("32.15.17", "32.03.20")
    refused = cli("coop", "add", "Kop X", "--kind", "jasa", "--kecamatan", "Telagasari", ok=False)
    assert "did you mean 'Talagasari'" in refused.stderr  # the old behaviour this fixes

    created = cli.json("seed")["created"]
    assert created["aliases"] == 2 and created["kecamatan"] == 0
    created = cli.json("seed", str(JABAR))["created"]
    assert created["aliases"] == len(aliases(jabar)) - 2 and created["kecamatan"] == 0

    listed = {k["code"]: k["name"] for k in cli.json("kecamatan", "list", "--regency", "all")}
    assert listed == dict(kecamatan(jabar))
    coops = {c["id"]: c for c in cli.json("coop", "list", "--regency", "all")}
    assert coops[old["id"]]["kecamatan_code"] == "32.15.17" and coops[old["id"]]["kecamatan"] == "Telagasari"
    assert coops[cianjur["id"]]["kecamatan"] == "Cibinong"
    for typed, code in (("Telagasari", "32.15.17"), ("Talagasari", "32.15.17"), ("Kepetakan", "32.09.22")):
        added = cli.json("coop", "add", f"Kop Jasa {typed}", "--kind", "jasa", "--kecamatan", typed)
        assert added["kecamatan_code"] == code

    renames = [e for e in cli.json("log", "--limit", "50") if e.get("entity") == "seed"]
    summaries = " ".join(str(e) for e in renames)
    assert "Talagasari" in summaries and "Telagasari" in summaries and "Cubinong" in summaries

    before = table_dump(engine)
    assert not any(cli.json("seed")["created"].values())
    assert not any(cli.json("seed", str(JABAR))["created"].values())
    assert table_dump(engine) == before


def bad_alias(doc: dict, item) -> dict:
    doc = copy.deepcopy(doc)
    doc["regions"]["aliases"]["list"].append(item)
    return doc


@pytest.mark.parametrize(
    "item, expected",
    [
        (["32.15.99", "Entah"], "error: regions.aliases.list[2]: code '32.15.99' is not a kecamatan of this file"),
        (["32.15.17", "telagasari"], "error: regions.aliases.list[2]: alias 'telagasari' is the name of kecamatan"),
        (["32.15.17", "TALAGASARI"], "error: regions.aliases.list[2]: alias 'TALAGASARI' of 32.15.17 is listed twice"),
        (["32.15.17", "32.15.18"], "error: regions.aliases.list[2]: alias '32.15.18' reads as a code"),
        (["32.15.17", None], "error: regions.aliases.list[2].alias '': is required"),
        ("32.15.17 Talaga", "error: regions.aliases.list[2]: must be [code, alias]"),
    ],
)
def test_a_bad_alias_is_one_line_and_nothing_is_written(cli, engine, tmp_path, item, expected):
    cli("seed")
    before = table_dump(engine)
    result = cli("seed", str(write(tmp_path, "bad.yaml", bad_alias(load(SEED), item))), ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(expected), result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert table_dump(engine) == before


def test_a_seeded_cooperative_may_name_its_kecamatan_by_an_alias(cli, tmp_path):
    doc = load(SEED)  # test data: a made-up cooperative beside the seed's own
    doc["cooperatives"].append({"name": "KSP Maju Bersama", "kind": "ksp", "kecamatan": "Talagasari"})
    cli("seed", str(write(tmp_path, "seed.yaml", doc)))
    listed = {c["name"]: c["kecamatan_code"] for c in cli.json("coop", "list")}
    assert listed == {"Koperasi Makmur Mandiri": "32.15.05", "KSP Maju Bersama": "32.15.17"}
