"""`write_predictions` as JSON is JSON for any reader: UTF-8 whatever the file names, no NaN."""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import pytest

from tlgui.core.predict.formats import write_predictions
from tlgui.core.predict.predictor import Prediction


def _refuse_constant(name: str):
    raise AssertionError(f"JSON has no {name}")


def _written(predictions, fmt: str) -> str:
    out = io.StringIO()
    write_predictions(predictions, fmt, out)
    return out.getvalue()


def test_a_file_name_that_is_not_utf8_is_escaped_and_comes_back():
    name = os.fsdecode(b"/photos/caf\xe9 \xff.jpg")  # bytes that are not UTF-8: lone surrogates
    text = _written([Prediction(Path(name), [("caf\u00e9", 0.9), ("b\u00eae", 0.1)])], "json")
    encoded = text.encode("utf-8")  # strict: the document is UTF-8 as RFC 8259 asks
    assert "\\udce9" in text and "\\udcff" in text
    row = json.loads(encoded)[0]
    assert os.fsencode(row["path"]) == b"/photos/caf\xe9 \xff.jpg"  # the very file, byte for byte
    assert row["label"] == "caf\u00e9" and "caf\u00e9" in text  # readable names stay readable


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_probability_that_is_not_a_number_is_written_as_null(bad):
    predictions = [Prediction(Path("a.jpg"), [("ants", bad), ("bees", 0.25)]), Prediction(Path("b.jpg"), [], "unreadable")]
    rows = json.loads(_written(predictions, "json"), parse_constant=_refuse_constant)
    assert rows[0]["probability"] is None and rows[0]["label"] == "ants"
    assert rows[0]["top"] == [{"label": "ants", "probability": None}, {"label": "bees", "probability": 0.25}]
    assert rows[1]["probability"] is None and rows[1]["error"] == "unreadable"
    csv_row = _written(predictions, "csv").splitlines()[1]
    assert csv_row == "a.jpg,ants,,bees,0.250000,"  # empty, as for no probability
