"""Prediction output formats (aligned table, CSV, JSON), one home for the CLI and the window alike.

A spreadsheet made from ``tlgui predict --format csv`` and one saved from the Classify page read the
same, because both go through ``write_predictions``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
import textwrap
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tlgui.core.files.atomic import atomic_write_bytes

if TYPE_CHECKING:
    # Type only: the CLI reads the format names without loading torch.
    from tlgui.core.predict.predictor import Prediction


class PredictionFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def write_predictions(
    predictions: Sequence[Prediction], fmt: PredictionFormat | str, out: TextIO | None = None
) -> None:
    """Write predictions as an aligned table, CSV (path,label,probability,...,error) or JSON."""
    writer = PredictionWriter(fmt, out or sys.stdout, ranks=max((len(p.top) for p in predictions), default=1),
                              path_width=max((len(str(p.path)) for p in predictions), default=4))
    writer.write(predictions)
    writer.close()


class PredictionWriter:
    """Predictions written batch by batch as they become ready, in one of the formats.

    After each batch the output is whole rows, flushed, so a run stopped half-way (Ctrl-C, SIGTERM)
    has handed every finished prediction to its reader: a CSV's header comes first, a row is never
    cut, and ``close`` ends JSON's one document (its array) after whatever was written. What the rows
    need before the first one (``ranks``: how many classes each names, the CSV's columns;
    ``path_width``: the table's first column) comes from the photos, known before any is predicted.
    """

    def __init__(self, fmt: PredictionFormat | str, out: TextIO, *, ranks: int, path_width: int) -> None:
        self.format = PredictionFormat(fmt)
        self._out = out
        self._ranks = max(1, ranks)
        self._path_width = path_width
        self._rows = 0
        self._emit(self._opening())

    def write(self, predictions: Sequence[Prediction]) -> None:
        """``predictions`` after those already written, in one write, then flushed."""
        if not predictions:
            return
        text = {
            PredictionFormat.JSON: self._json_rows,
            PredictionFormat.CSV: self._csv_rows,
            PredictionFormat.TABLE: self._table_rows,
        }[self.format](predictions)
        self._rows += len(predictions)
        self._emit(text)

    def close(self) -> None:
        """End the document: JSON's closing bracket (CSV and the table need nothing)."""
        if self.format is PredictionFormat.JSON:
            self._emit("\n]\n" if self._rows else "]\n")

    def _emit(self, text: str) -> None:
        if text:
            self._out.write(text)
            self._out.flush()

    def _opening(self) -> str:
        if self.format is PredictionFormat.JSON:
            return "["
        if self.format is PredictionFormat.CSV:
            header = ["path", "label", "probability"]
            for rank in range(2, self._ranks + 1):
                header += [f"label_{rank}", f"probability_{rank}"]
            return _csv_text([[*header, "error"]])
        return ""

    def _json_rows(self, predictions: Sequence[Prediction]) -> str:
        # The text json.dumps(rows, indent=2) gives for the whole array, a batch of elements at a time.
        separator = ",\n" if self._rows else "\n"
        return separator + ",\n".join(textwrap.indent(_json_text(p), "  ") for p in predictions)

    def _csv_rows(self, predictions: Sequence[Prediction]) -> str:
        columns = 1 + 2 * self._ranks
        rows = []
        for p in predictions:
            row = [str(p.path), p.label or "", _probability_text(p.probability)]
            for lab, prob in p.top[1:]:
                row += [lab, _probability_text(prob)]
            row += [""] * (columns - len(row))
            rows.append([*row, p.error or ""])
        return _csv_text(rows)

    def _table_rows(self, predictions: Sequence[Prediction]) -> str:
        lines = []
        for p in predictions:
            if p.error:
                lines.append(f"{str(p.path):<{self._path_width}}  skipped: {p.error}\n")
                continue
            top = "  ".join(f"{lab} {prob:6.1%}" for lab, prob in p.top)
            lines.append(f"{str(p.path):<{self._path_width}}  {top}\n")
        return "".join(lines)


def save_predictions_csv(path: Path | str, predictions: Sequence[Prediction]) -> None:
    """The CSV format written atomically to ``path``."""
    buffer = io.StringIO(newline="")
    write_predictions(predictions, PredictionFormat.CSV, buffer)
    atomic_write_bytes(path, file_system_bytes(buffer.getvalue()))


def file_system_bytes(text: str) -> bytes:
    """``text`` as UTF-8, with each byte of a file name that is not UTF-8 (read by Python as a lone
    surrogate) written back as that byte, as the command line's output does: the CSV names the
    very file, where a strict encoding would refuse to save."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate of another origin (Windows names): kept recognisable
        return text.encode("utf-8", "surrogatepass")


# A surrogate is not a character: UTF-8 has no bytes for it. Python holds each byte of a file name
# that is not UTF-8 as one (os.fsdecode: byte 0xE9 becomes U+DCE9).
_SURROGATES = re.compile("[\ud800-\udfff]")


def _json_text(prediction: Prediction) -> str:
    """One prediction as a JSON object, as RFC 8259 has it whatever the names hold: UTF-8 text, with
    every surrogate written as its escape (byte 0xE9 of a file name as ``\\udce9``; Python's
    ``json.loads`` gives the same str back and ``os.fsencode`` of it the original bytes), and a
    probability that is not a finite number (JSON has no NaN or Infinity) written as null, as for a
    photo that was not classified."""
    row = {
        "path": str(prediction.path),
        "label": prediction.label,
        "probability": _finite_or_none(prediction.probability),
        "top": [{"label": lab, "probability": _finite_or_none(prob)} for lab, prob in prediction.top],
        "error": prediction.error,
    }
    # Names stay readable (ensure_ascii=False), but json.dumps copies a surrogate as it is, which
    # the output stream would write as a raw byte that is not UTF-8: each is escaped. Outside the
    # strings JSON's text is ASCII, so every one found is inside a string.
    text = json.dumps(row, ensure_ascii=False, indent=2, allow_nan=False)
    return _SURROGATES.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _probability_text(value: float | None) -> str:
    # Empty where there is no number, a NaN or an infinity included: as in the JSON (null).
    return f"{value:.6f}" if value is not None and math.isfinite(value) else ""
