"""`koptrack seed`: twice is the same as once; a bad seed file is refused whole, with one line
naming the entry and field, and nothing written."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import table_dump
from koptrack.core import seed

SEED = yaml.safe_load(seed.default_seed_path().read_text(encoding="utf-8"))


def test_seeding_twice_lists_the_same(cli):
    created = cli.json("seed")["created"]
    assert created["kecamatan"] == 30
    views = [("kecamatan", "list"), ("coop", "list"), ("targets", "2021"), ("bpjs", "status")]
    first = {v: cli.json(*v) for v in views}
    assert len(first["kecamatan", "list"]) == 30 and len(first["coop", "list"]) == 1
    assert len(first["targets", "2021"]) == 5
    again = cli.json("seed")["created"]
    assert set(again) == set(created) and set(again.values()) == {0}
    assert {v: cli.json(*v) for v in views} == first


def test_seeding_twice_gives_the_same_figures(cli, engine):
    first = cli.json("seed")["created"]
    assert first["kecamatan"] == 30 and first["coops"] == 1 and first["targets"] == 5
    dump = table_dump(engine)
    figures = cli.json("targets", "2021")
    second = cli.json("seed")["created"]
    assert not any(second.values())
    assert table_dump(engine) == dump and cli.json("targets", "2021") == figures


def edited(tmp_path: Path, change) -> Path:
    doc = copy.deepcopy(SEED)
    change(doc)
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _kec(doc):
    kec = doc["regions"]["kecamatan"]
    return kec if isinstance(kec, dict) else kec[0]


def _add(section, entry):
    return lambda d: d.setdefault(section, []).append(entry)


def _control_in_name(d):
    _kec(d)["list"][0][1] = "Karawang\x1b[2JBarat"


# Each case: the change to the shipped seed, and how the one error line must start (entry and field).
CASES = {
    "unknown section": (lambda d: d.update(extras=[1]), "error: unknown section(s) extras"),
    "bad kecamatan code": (
        lambda d: _kec(d)["list"].__setitem__(3, ["32.16.04", "Ciampel"]),
        "error: regions.kecamatan.list[3]: code '32.16.04' must be a kecamatan code in regency 32.15",
    ),
    "duplicate kecamatan": (
        lambda d: _kec(d)["list"].append(["32.15.05", "Klari Lagi"]),
        "error: regions.kecamatan.list[30]: code 32.15.05 is listed twice (also regions.kecamatan.list[4])",
    ),
    "kecamatan not [code, name]": (
        lambda d: _kec(d)["list"].__setitem__(7, "32.15.08 Batujaya"),
        "error: regions.kecamatan.list[7]: must be [code, name]",
    ),
    "control character in a kecamatan name": (
        _control_in_name,
        r"error: regions.kecamatan.list[0].name 'Karawang\\x1b[2JBarat': contains control characters",
    ),
    "kecamatan list not a list": (
        lambda d: _kec(d).update(list="32.15.01"),
        "error: regions.kecamatan.list: must be a list",
    ),
    "kecamatan group of an unknown source": (
        lambda d: _kec(d).update(source="nowhere"),
        "error: regions.kecamatan.source 'nowhere': is not a key listed under sources",
    ),
    "unknown field in regions": (
        lambda d: d["regions"].update(kecamatans=[]),
        "error: regions: unknown field(s) kecamatans",
    ),
    "regencies not a list": (lambda d: d["regions"].update(regencies=5), "error: regions.regencies: must be a list"),
    "bad regency code": (
        lambda d: d["regions"]["regencies"][0].update(code="3215"),
        "error: regions.regencies[0].code '3215': must look like 32.15",
    ),
    "duplicate regency": (
        lambda d: d["regions"]["regencies"].append({"code": "32.15", "name": "Lagi"}),
        "error: regions.regencies[1]: code '32.15' is listed twice (also regions.regencies[0])",
    ),
    "duplicate source": (
        lambda d: d["sources"].append(dict(d["sources"][2], title="again")),
        "error: sources[5]: key 'kemendagri-kode-wilayah' is listed twice (also sources[2])",
    ),
    "duplicate programme": (
        lambda d: d["programmes"].append(dict(d["programmes"][0])),
        "error: programmes[5]: code 'jkk' is listed twice (also programmes[0])",
    ),
    "duplicate rule": (
        lambda d: d["programme_rules"].append(dict(d["programme_rules"][3], programmes=["jkk"])),
        "error: programme_rules[6]: category/employer_size/valid_from ('pu', 'small', '2015-07-01') is listed twice",
    ),
    "duplicate cooperative": (
        _add("cooperatives", {"name": "KOPERASI MAKMUR MANDIRI", "kind": "jasa", "kecamatan": "32.15.05"}),
        "error: cooperatives[1]: name/kecamatan ('koperasi makmur mandiri', '32.15.05') is listed twice",
    ),
    "negative target": (
        lambda d: d["targets"][0].update(value=-5),
        "error: targets[0].value -5: must be a whole number above 0",
    ),
    "zero target": (
        lambda d: d["targets"][4].update(value=0),
        "error: targets[4].value 0: must be a whole number above 0",
    ),
    "negative reported count": (
        lambda d: d["reported_counts"][1].update(value=-1),
        "error: reported_counts[1].value -1",
    ),
    "duplicate target": (
        lambda d: d["targets"].append(dict(d["targets"][1], value=9)),
        "error: targets[5]: year/metric/kind/base/regency (2021, 'bpjs.registered_coops', 'produsen'",
    ),
    "unknown source": (
        lambda d: d["targets"][0].update(source="nowhere"),
        "error: targets[0].source 'nowhere': is not a key listed under sources",
    ),
    "source that is a list": (
        lambda d: d["targets"][2].update(source=["kbe-2021-03-16"]),
        "error: targets[2].source ['kbe-2021-03-16']: is not a key",
    ),
    "unknown metric": (
        lambda d: d["targets"][3].update(metric="bpjs.everything"),
        "error: targets[3].metric 'bpjs.everything'",
    ),
    "bad kind": (lambda d: d["cooperatives"][0].update(kind="bank"), "error: cooperatives[0].kind 'bank'"),
    "unknown kecamatan": (
        lambda d: d["cooperatives"][0].update(kecamatan="Klarii"),
        "error: cooperatives[0].kecamatan 'Klarii': is not a known kecamatan; did you mean 'Klari'?",
    ),
    "bad nik koperasi": (
        lambda d: d["cooperatives"][0].update(nik_koperasi="12.34"),
        "error: cooperatives[0].nik_koperasi '1234': must be 16 digits",
    ),
    "unknown field": (
        lambda d: d["cooperatives"][0].update(npwp="01.234"),
        "error: cooperatives[0]: unknown field(s) npwp",
    ),
    "registration date that is not one": (
        lambda d: d["cooperatives"][0]["bpjs_registration"].update(registered_on="31/02/2021"),
        "error: cooperatives[0].bpjs_registration.registered_on '31/02/2021'",
    ),
    "yes as a key": (lambda d: d["cooperatives"][0].update({True: 1}), "error: cooperatives[0]: a key reads as yes/no"),
    "format 2": (lambda d: d.update(format=2), "error: format 2: this koptrack reads seed format 1"),
}


# Run through the CLI against a database (exit code, one line, nothing written); the rest of
# CASES are checked on the parsed plan alone, which is where every one of them is refused.
THROUGH_THE_CLI = [
    "unknown section",
    "bad kecamatan code",
    "duplicate kecamatan",
    "control character in a kecamatan name",
    "regencies not a list",
    "negative target",
    "unknown source",
    "source that is a list",
    "bad kind",
    "yes as a key",
]


@pytest.mark.parametrize("case", sorted(set(CASES) - set(THROUGH_THE_CLI)))
def test_each_bad_entry_is_named(tmp_path, case):
    change, expected = CASES[case]
    doc = seed.read_seed(edited(tmp_path, change))
    with pytest.raises(seed.SeedError) as exc:
        seed.plan_seed(doc)
    assert ("error: " + str(exc.value)).startswith(expected), str(exc.value)
    assert len(str(exc.value).splitlines()) == 1


@pytest.mark.parametrize("case", THROUGH_THE_CLI)
def test_bad_entries_are_named_and_nothing_is_written(cli, engine, tmp_path, case):
    change, expected = CASES[case]
    before = table_dump(engine)
    result = cli("seed", str(edited(tmp_path, change)), ok=False)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    assert "\x1b" not in result.stderr
    assert table_dump(engine) == before


def test_a_late_error_leaves_a_seeded_database_as_it_was(cli, engine, tmp_path):
    """The whole file is checked before anything is written: a renamed kecamatan early in the
    file is not written when the last reported count is wrong."""
    cli("seed")
    before = table_dump(engine)

    def change(d):
        _kec(d)["list"][0][1] = "Karawang Barat Baru"
        d["targets"][0]["value"] = 99
        d["reported_counts"][-1]["value"] = "banyak"

    result = cli("seed", str(edited(tmp_path, change)), ok=False)
    assert result.stderr.startswith("error: reported_counts[1].value 'banyak'"), result.stderr
    assert table_dump(engine) == before
    assert cli.json("kecamatan", "list")[0]["name"] == "Karawang Barat"


def test_a_conflict_with_the_office_s_own_records_is_named_and_nothing_is_written(cli, engine, tmp_path):
    """A seeded cooperative whose NIK koperasi already belongs to another cooperative is only
    found against the database: still one line naming the entry, and nothing written."""
    cli("seed")
    other = cli.json(
        "coop", "add", "Kop Lain", "--kind", "jasa", "--kecamatan", "Pedes", "--nik-koperasi", "3215100000000001"
    )
    before = table_dump(engine)
    path = edited(tmp_path, lambda d: d["cooperatives"][0].update(nik_koperasi="3215100000000001", desa="Duren"))
    result = cli("seed", str(path), ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"error: cooperatives[0].nik_koperasi '3215100000000001': already belongs to cooperative {other['id']}"
    ), result.stderr
    assert table_dump(engine) == before


def test_the_seed_matches_a_cooperative_the_office_typed_in_another_case(cli, engine):
    """`koptrack coop add` refuses a second 'koperasi makmur mandiri' in Klari; the seed must not
    create one either: it updates the office's record."""
    cli("seed")
    typed = cli.json("coop", "edit", "1", "--name", "koperasi makmur mandiri")
    assert cli.json("seed")["created"]["coops"] == 0
    assert [c["id"] for c in cli.json("coop", "list", "--kecamatan", "Klari")] == [typed["id"]]


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"- just\n- a list\n", "must be a YAML mapping"),
        (b"regions: [unclosed\n", "not valid YAML at line"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"", "must be a YAML mapping"),
    ],
)
def test_files_that_are_not_seeds(cli, engine, tmp_path, content, expected):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    before = table_dump(engine)
    result = cli("seed", str(path), ok=False)
    assert result.exit_code == 1 and expected in result.stderr, result.stderr
    assert table_dump(engine) == before


def _limited_memory():  # in the child: 2 GiB of address space, so a bomb fails instead of swapping
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def seed_in_a_subprocess(path: Path, db, timeout: float) -> subprocess.CompletedProcess:
    """`koptrack seed PATH` in its own process, killed after `timeout` seconds (raises
    subprocess.TimeoutExpired): a test of 'bounded time and memory' must not hang the suite."""
    env = {**os.environ, "KOPTRACK_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "koptrack", "seed", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=_limited_memory if sys.platform != "win32" else None,
    )


def test_a_yaml_alias_bomb_is_refused_at_once(engine, db_path, tmp_path):
    # a billion laughs: 9 levels of 9 references, 9**9 strings once expanded, in a field that
    # the checks turn into text (str() of the nested lists would walk every one of them)
    levels = ["&a0 [" + ", ".join(['"lol"'] * 9) + "]"]
    levels += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("sources:\n  - key: x\n    kind: y\n    title: z\n    note: [" + ", ".join(levels) + "]\n")
    assert path.stat().st_size < 2000
    before = table_dump(engine)
    start = time.monotonic()
    result = seed_in_a_subprocess(path, db_path, timeout=20)
    assert time.monotonic() - start < 15, "refusing an alias bomb must not depend on its expansion"
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: seed file") and "aliases (*name) are not allowed" in result.stderr
    assert "line 5" in result.stderr and "Traceback" not in result.stderr  # where the first alias is
    assert table_dump(engine) == before


@pytest.mark.parametrize(
    "content",
    [
        "sources:\n  - &s {key: a, kind: b, title: c}\n  - {<<: *s, key: d}\n",  # a merge key is an alias too
        "regions: *nowhere\n",
    ],
)
def test_every_alias_is_refused(cli, engine, tmp_path, content):
    path = tmp_path / "alias.yaml"
    path.write_text(content)
    before = table_dump(engine)
    result = cli("seed", str(path), ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: seed file"), result.stderr
    assert "not valid YAML" in result.stderr and "Traceback" not in result.stderr
    assert table_dump(engine) == before


def test_nesting_too_deep_for_the_parser_is_one_line_not_a_recursion_error(cli, engine, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("sources: " + "[" * 20000 + "]" * 20000 + "\n")
    before = table_dump(engine)
    result = cli("seed", str(path), ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: seed file"), result.stderr
    assert "nested more than" in result.stderr
    assert table_dump(engine) == before


def test_a_file_too_large_to_be_a_seed_is_refused_before_reading(cli, engine, tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(seed.MAX_SEED_BYTES + 1)  # sparse: nothing to parse would ever be read
    result = cli("seed", str(path), ok=False)
    assert result.exit_code == 1 and "larger than a seed can be" in result.stderr


def test_missing_file(cli, engine, tmp_path):
    before = table_dump(engine)
    result = cli("seed", str(tmp_path / "nope.yaml"), ok=False)
    assert result.exit_code == 1 and "nope.yaml" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: seed file") and "No such file" in result.stderr
    assert table_dump(engine) == before


def test_a_folder_is_not_a_seed(cli, tmp_path):
    result = cli("seed", str(tmp_path), ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
