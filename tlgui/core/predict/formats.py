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


# A surrogate is not a character: UTF-8 has no bytes for it. Python holds each byte of a file name
# that is not UTF-8 as one (os.fsdecode: byte 0xE9 becomes U+DCE9).
_SURROGATES = re.compile("[\ud800-\udfff]")


def _write_json(predictions: Sequence[Prediction], out: TextIO) -> None:
    """JSON as RFC 8259 has it, whatever the names hold: UTF-8 text, with every surrogate written
    as its escape (byte 0xE9 of a file name as ``\\udce9``; Python's ``json.loads`` gives the same
    str back and ``os.fsencode`` of it the original bytes), and a probability that is not a finite
    number (JSON has no NaN or Infinity) written as null, as for a photo that was not classified."""
    rows = [
        {
            "path": str(p.path),
            "label": p.label,
            "probability": _finite_or_none(p.probability),
            "top": [{"label": lab, "probability": _finite_or_none(prob)} for lab, prob in p.top],
            "error": p.error,
        }
        for p in predictions
    ]
    # Names stay readable (ensure_ascii=False), but json.dumps copies a surrogate as it is, which
    # the output stream would write as a raw byte that is not UTF-8: each is escaped. Outside the
    # strings JSON's text is ASCII, so every one found is inside a string.
    text = json.dumps(rows, ensure_ascii=False, indent=2, allow_nan=False)
    out.write(_SURROGATES.sub(lambda found: f"\\u{ord(found.group()):04x}", text))
    out.write("\n")


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


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
    # Empty where there is no number, a NaN or an infinity included: as in the JSON (null).
    return f"{value:.6f}" if value is not None and math.isfinite(value) else ""
