"""`koptrack seed`: twice is the same as once; a bad seed file is refused whole, with one line
naming the entry and field, and nothing written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from conftest import table_dump
from koptrack import seed

SEED = yaml.safe_load(seed.default_seed_path().read_text(encoding="utf-8"))


def test_seeding_twice_gives_the_same_figures(cli, engine):
    first = cli.json("seed")["created"]
    assert first["kecamatan"] == 30 and first["coops"] == 1 and first["targets"] == 5
    dump = table_dump(engine)
    figures = cli.json("targets", "2021")
    second = cli.json("seed")["created"]
    assert not any(second.values())
    assert table_dump(engine) == dump and cli.json("targets", "2021") == figures


def edited(tmp_path: Path, change) -> Path:
    doc = yaml.safe_load(seed.default_seed_path().read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _kec(doc):
    kec = doc["regions"]["kecamatan"]
    return kec if isinstance(kec, dict) else kec[0]


CASES = {
    "unknown section": (lambda d: d.update(extras=[1]), "unknown section(s) extras"),
    "bad kecamatan code": (lambda d: _kec(d)["list"].__setitem__(3, ["32.16.04", "Ciampel"]), "regions.kecamatan.list[3]"),
    "duplicate kecamatan": (lambda d: _kec(d)["list"].append(["32.15.05", "Klari Lagi"]), "32.15.05 is listed twice"),
    "negative target": (lambda d: d["targets"][0].update(value=-5), "targets[0]"),
    "unknown source": (lambda d: d["targets"][0].update(source="nowhere"), "nowhere"),
    "bad kind": (lambda d: d["cooperatives"][0].update(kind="bank"), "cooperatives[0]"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_entries_are_named_and_nothing_is_written(cli, engine, tmp_path, case):
    change, expected = CASES[case]
    before = table_dump(engine)
    result = cli("seed", str(edited(tmp_path, change)), ok=False)
    assert result.exit_code == 1, result.stdout
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    assert table_dump(engine) == before


@pytest.mark.parametrize("content, expected", [
    (b"- just\n- a list\n", "must be a YAML mapping"),
    (b"regions: [unclosed\n", "not valid YAML at line"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"", "must be a YAML mapping"),
])
def test_files_that_are_not_seeds(cli, engine, tmp_path, content, expected):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    before = table_dump(engine)
    result = cli("seed", str(path), ok=False)
    assert result.exit_code == 1 and expected in result.stderr, result.stderr
    assert table_dump(engine) == before


def test_a_yaml_alias_bomb_is_refused_at_once(cli, engine, tmp_path):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("sources:\n  - {key: x, kind: y, title: z, note: *a9}")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    before = table_dump(engine)
    start = time.monotonic()
    result = cli("seed", str(path), ok=False)
    assert time.monotonic() - start < 5
    assert result.exit_code == 1 and "aliases" in result.stderr
    assert table_dump(engine) == before


def test_missing_file(cli, tmp_path):
    result = cli("seed", str(tmp_path / "nope.yaml"), ok=False)
    assert result.exit_code == 1 and "nope.yaml" in result.stderr and "Traceback" not in result.stderr
