"""What the trained classifier gets right and wrong on the validation images."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass
class ValPrediction:
    """One validation image: its true class, the predicted class and the predicted probability."""

    path: Path
    true_label: str
    predicted_label: str
    probability: float

    @property
    def correct(self) -> bool:
        return self.true_label == self.predicted_label


@dataclass
class EvaluationReport:
    """Confusion matrix (rows = true class, columns = predicted), per-class precision and recall.

    A class never predicted has no precision, and a class without validation photos no recall: they
    are None, whatever the caller passed, since the confusion matrix decides. Files store 0 in their
    place (``to_dict``), so reports read back from any file agree with the matrix too.
    """

    class_names: list[str]
    confusion: list[list[int]]
    precision: list[float | None]
    recall: list[float | None]
    accuracy: float
    predictions: list[ValPrediction] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.class_names)
        if len(self.confusion) == n and all(len(row) == n for row in self.confusion):
            self.precision = without_undefined(self.precision, never_predicted(self.confusion))
            self.recall = without_undefined(self.recall, never_validated(self.confusion))

    @property
    def misclassified(self) -> list[ValPrediction]:
        wrong = [p for p in self.predictions if not p.correct]
        # Most confident mistakes first: those are the ones worth a look (often mislabelled photos).
        return sorted(wrong, key=lambda p: -p.probability)

    def cell(self, true_label: str, predicted_label: str) -> list[ValPrediction]:
        """The validation images counted in one cell of the confusion matrix."""
        return [p for p in self.predictions if p.true_label == true_label and p.predicted_label == predicted_label]

    def to_dict(self) -> dict:
        return {
            "class_names": list(self.class_names),
            "confusion": [list(map(int, row)) for row in self.confusion],
            "precision": [stored_score(x) for x in self.precision],
            "recall": [stored_score(x) for x in self.recall],
            "accuracy": float(self.accuracy),
            "predictions": [
                [str(p.path), p.true_label, p.predicted_label, float(p.probability)] for p in self.predictions
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> EvaluationReport:
        return cls(
            class_names=list(data["class_names"]),
            confusion=[list(map(int, row)) for row in data["confusion"]],
            precision=[float(x) for x in data["precision"]],
            recall=[float(x) for x in data["recall"]],
            accuracy=float(data["accuracy"]),
            predictions=[ValPrediction(Path(p), t, q, float(pr)) for p, t, q, pr in data.get("predictions", [])],
        )


def evaluate(
    class_names: list[str], paths: list[Path], true_idx: np.ndarray, probabilities: np.ndarray
) -> EvaluationReport:
    """Build the report from true class indices and an (N, C) probability matrix."""
    import numpy as np  # here: the window opens without numpy

    n_classes = len(class_names)
    pred_idx = probabilities.argmax(axis=1) if len(paths) else np.zeros(0, dtype=int)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(confusion, (true_idx.astype(int), pred_idx.astype(int)), 1)
    predicted_totals = confusion.sum(axis=0)
    true_totals = confusion.sum(axis=1)
    diagonal = np.diag(confusion)
    # Zero where undefined (a class never predicted, or without validation photos): the report
    # makes those None.
    precision = np.divide(diagonal, predicted_totals, out=np.zeros(n_classes), where=predicted_totals > 0)
    recall = np.divide(diagonal, true_totals, out=np.zeros(n_classes), where=true_totals > 0)
    accuracy = float(diagonal.sum() / max(1, len(paths)))
    predictions = [
        ValPrediction(Path(p), class_names[int(t)], class_names[int(q)], float(probabilities[i, q]))
        for i, (p, t, q) in enumerate(zip(paths, true_idx, pred_idx, strict=True))
    ]
    return EvaluationReport(
        class_names=list(class_names),
        confusion=confusion.tolist(),
        precision=precision.tolist(),
        recall=recall.tolist(),
        accuracy=accuracy,
        predictions=predictions,
    )


def never_predicted(confusion: list[list[int]]) -> list[bool]:
    """Per class (the matrix's order): whether no validation photo was predicted as it."""
    return [not any(column) for column in zip(*confusion, strict=True)] if confusion else []


def never_validated(confusion: list[list[int]]) -> list[bool]:
    """Per class (the matrix's order): whether it had no validation photo."""
    return [not any(row) for row in confusion]


def without_undefined(scores: list[float | None], undefined: list[bool]) -> list[float | None]:
    """``scores`` with None for the classes whose score is ``undefined``."""
    if len(scores) != len(undefined):
        return list(scores)
    return [None if missing else score for score, missing in zip(scores, undefined, strict=True)]


def stored_score(score: float | None) -> float:
    """A score as files hold it: a number for every class, as model and project files always have
    (their readers, older ones too, refuse anything else); 0 for one that is not defined, which the
    confusion matrix stored beside it tells apart."""
    return 0.0 if score is None else float(score)
