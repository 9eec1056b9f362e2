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
