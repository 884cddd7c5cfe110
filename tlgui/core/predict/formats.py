"""Prediction output formats (aligned table, CSV, JSON), one home for the CLI and the window alike.

A spreadsheet made from ``tlgui predict --format csv`` and one saved from the Classify page read the
same, because both go through ``write_predictions``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
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
    out = out or sys.stdout
    fmt = PredictionFormat(fmt)
    if fmt is PredictionFormat.JSON:
        _write_json(predictions, out)
    elif fmt is PredictionFormat.CSV:
        _write_csv(predictions, out)
    else:
        _write_table(predictions, out)


def save_predictions_csv(path: Path | str, predictions: Sequence[Prediction]) -> None:
    """The CSV format written atomically to ``path``."""
    buffer = io.StringIO(newline="")
    _write_csv(predictions, buffer)
    atomic_write_bytes(path, file_system_bytes(buffer.getvalue()))


def file_system_bytes(text: str) -> bytes:
    """``text`` as UTF-8, with each byte of a file name that is not UTF-8 (read by Python as a lone
    surrogate) written back as that byte, as the command line's output does: the CSV names the
    very file, where a strict encoding would refuse to save."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate of another origin (Windows names): kept recognisable
        return text.encode("utf-8", "surrogatepass")


def _write_json(predictions: Sequence[Prediction], out: TextIO) -> None:
    rows = [
        {
            "path": str(p.path),
            "label": p.label,
            "probability": p.probability,
            "top": [{"label": lab, "probability": prob} for lab, prob in p.top],
            "error": p.error,
        }
        for p in predictions
    ]
    json.dump(rows, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _write_csv(predictions: Sequence[Prediction], out: TextIO) -> None:
    k = max((len(p.top) for p in predictions), default=1)
    writer = csv.writer(out)
    header = ["path", "label", "probability"]
    for rank in range(2, k + 1):
        header += [f"label_{rank}", f"probability_{rank}"]
    writer.writerow([*header, "error"])
    for p in predictions:
        row = [str(p.path), p.label or "", _probability_text(p.probability)]
        for lab, prob in p.top[1:]:
            row += [lab, _probability_text(prob)]
        row += [""] * (len(header) - len(row))
        writer.writerow([*row, p.error or ""])


def _write_table(predictions: Sequence[Prediction], out: TextIO) -> None:
    width = max((len(str(p.path)) for p in predictions), default=4)
    for p in predictions:
        if p.error:
            out.write(f"{str(p.path):<{width}}  skipped: {p.error}\n")
            continue
        top = "  ".join(f"{lab} {prob:6.1%}" for lab, prob in p.top)
        out.write(f"{str(p.path):<{width}}  {top}\n")


def _probability_text(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"
