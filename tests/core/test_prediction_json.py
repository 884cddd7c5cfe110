"""`write_predictions` as JSON is JSON for any reader: UTF-8 whatever the file names, no NaN; and the
formats written batch by batch, as `tlgui predict` does, are well-formed wherever they stop."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

import pytest

from tlgui.core.predict.formats import PredictionWriter, write_predictions
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


_PREDICTIONS = [
    Prediction(Path("photos/a.jpg"), [("ants", 0.75), ("bees", 0.25)]),
    Prediction(Path("photos/longer name.jpg"), [], "cannot be read"),
    Prediction(Path(os.fsdecode(b"photos/caf\xe9.jpg")), [("bees", 0.5), ("ants", 0.5)]),
]


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_written_batch_by_batch_is_written_all_at_once(fmt):
    whole = _written(_PREDICTIONS, fmt)
    out = io.StringIO()
    writer = PredictionWriter(fmt, out, ranks=2, path_width=max(len(str(p.path)) for p in _PREDICTIONS))
    for batch in ([_PREDICTIONS[0]], [], _PREDICTIONS[1:]):
        writer.write(batch)
    writer.close()
    assert out.getvalue() == whole
    if fmt == "json":  # json.dumps's own layout, two spaces deep (here all ASCII, the surrogate escaped)
        assert whole == json.dumps(json.loads(whole), indent=2) + "\n"


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_stopped_after_any_batch_what_was_written_is_well_formed(fmt):
    for done in range(len(_PREDICTIONS) + 1):
        out = io.StringIO()
        writer = PredictionWriter(fmt, out, ranks=2, path_width=30)
        for prediction in _PREDICTIONS[:done]:
            writer.write([prediction])
            if fmt != "json":  # never half a row (JSON's array is ended by close)
                assert out.getvalue().endswith("\n")
        writer.close()  # as the command does when stopped
        text = out.getvalue()
        if fmt == "json":
            assert [row["path"] for row in json.loads(text)] == [str(p.path) for p in _PREDICTIONS[:done]]
        elif fmt == "csv":
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0][:3] == ["path", "label", "probability"] and len(rows) == done + 1
            assert {len(row) for row in rows} == {6}  # the columns known before the first photo
        else:
            assert len(text.splitlines()) == done
