"""terminal.emit_rows: the JSON list is written in chunks and stays one valid document."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from koptrack.io import terminal


@pytest.mark.parametrize("n", [0, 1, 999, 1000, 1001, 2500])
def test_json_rows_are_one_document_whatever_their_number(capsys, n):
    rows = ({"id": i, "nik": "3215055203900001", "on": dt.date(2021, 1, 1)} for i in range(n))
    assert terminal.emit_rows(rows, [], fmt="json") == n
    data = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in data] == list(range(n))
    assert all(r["nik"] == "321505******0001" for r in data)  # masked by default
    assert all(r["on"] == "2021-01-01" for r in data)


def test_refused_rows_count_rows_not_reasons():
    """`... and N more rows`: a row refused for two reasons is two lines of the table and one row."""
    from koptrack.core import views
    from koptrack.core.imports.result import ImportResult, RowError

    result = ImportResult("people", "x.csv", rows=60, invalid=60)
    result.errors = [RowError(line, col, "", "bad") for line in range(2, 62) for col in ("since", "role")]
    section, more = views.refused_rows(result)
    assert len(section.rows) == views.REFUSED_SHOWN  # 50 lines: the reasons of 25 rows
    assert more == 60 - 25


def test_json_rows_scrub_what_looks_like_a_nik_and_keep_the_document(capsys):
    rows = [
        {"id": i, "name": f"Kop {i}, NIK 3215 0552 0390 0001", "nik_koperasi": "3215030000000042"} for i in range(1500)
    ]
    assert terminal.emit_rows(iter(rows), [], fmt="json") == 1500
    data = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in data] == list(range(1500))
    assert all(r["name"].endswith(" 321505******0001") and r["nik_koperasi"] == "3215030000000042" for r in data)
    terminal.emit_rows(iter(rows[:3]), [], fmt="json", reveal=True)
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Kop 0, NIK 3215 0552 0390 0001"
