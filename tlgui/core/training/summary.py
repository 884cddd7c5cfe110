"""What a training run leaves in the model file: its epochs, how the model did, how it was trained.

Typed so that the window and the command line read attributes, not string keys. ``to_dict`` writes
the JSON the model file has always held, under the same keys, and ``from_dict`` reads files written
by any version so far (a missing key becomes ``None`` or empty). A value of the wrong kind raises
``ValueError``, which the model-file reader turns into one sentence about a damaged file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from tlgui.core.errors import SettingsError
from tlgui.core.plan.regime import Regime
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.metrics import (
    EvaluationReport,
    never_predicted,
    never_validated,
    stored_score,
)


@dataclass
class EpochStats:
    """One finished epoch, as the curves plot it. ``best``: the best epoch so far (the one kept).

    ``epoch`` and ``epochs`` count the whole run (both phases); ``phase`` is what trained in it:
    ``Regime.HEAD`` for the new head on cached features (every run's first phase), the chosen
    regime for the fine-tune that may follow. None in files written before runs had phases.
    """

    epoch: int
    epochs: int
    train_loss: float
    val_loss: float
    val_accuracy: float
    seconds: float
    learning_rate: float
    best: bool = False
    phase: Regime | None = None

    def to_dict(self) -> dict:
        row = asdict(self)
        # Written as its plain name, and left out when unknown, as files before phases had it.
        if self.phase is None:
            del row["phase"]
        else:
            row["phase"] = str(self.phase)
        return row

    @classmethod
    def from_dict(cls, data: Any) -> EpochStats:
        row = _mapping(data, "an epoch")
        try:
            return cls(
                epoch=_int(row["epoch"]),
                epochs=_int(row["epochs"]),
                train_loss=_float(row["train_loss"]),
                val_loss=_float(row["val_loss"]),
                val_accuracy=_float(row["val_accuracy"]),
                seconds=_float(row["seconds"]),
                learning_rate=_float(row["learning_rate"]),
                best=bool(row.get("best", False)),
                phase=_optional(_regime, row.get("phase")),
            )
        except KeyError as exc:
            raise ValueError(f"an epoch lacks {exc.args[0]}") from None


def best_epoch_was_the_heads(regime: Regime | None, history: Sequence[EpochStats], best_epoch: int) -> bool:
    """Whether a fine-tune run's model is its new head's: no fine-tune epoch beat the head's best.
    False when it cannot be told (a head-only run, or files written before epochs had phases)."""
    if regime is None or regime is Regime.HEAD or not 0 < best_epoch <= len(history):
        return False
    return history[best_epoch - 1].phase is Regime.HEAD


def epoch_count(history: Sequence[EpochStats], epochs_per_phase: int) -> tuple[int, int]:
    """(epochs run, epochs planned) of a run, as the window, the command line and the progress
    messages count them ("Epoch 2/6", "2 of 6"): one count across the run's phases, as the curves and
    the best epoch number them. The plan is what the run's last epoch said (``EpochStats.epochs``:
    ``epochs_per_phase`` for each phase, the new head's and a fine-tune's, a head phase that stopped
    early shortening it); before its first epoch, a run plans ``epochs_per_phase``.
    """
    if not history:
        return 0, epochs_per_phase
    last = history[-1]
    return len(history), max(last.epochs, last.epoch, len(history))


@dataclass
class RunTimings:
    """Seconds spent in each step of a run (features or data set-up, the epochs, evaluation), both
    phases together, and from the start until the first usable model (the trained head) existed
    (None in files written before runs had phases)."""

    prepare_s: float = 0.0
    train_s: float = 0.0
    evaluate_s: float = 0.0
    total_s: float = 0.0
    first_model_s: float | None = None

    def to_dict(self) -> dict[str, float]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: Any) -> RunTimings:
        row = _mapping(data, "the timings")
        return cls(**{f.name: _float(row[f.name]) for f in fields(cls) if row.get(f.name) is not None})


@dataclass
class ModelMetrics:
    """How the classifier did on its validation photos: the model file's ``"metrics"``.

    Precision and recall are None for a class whose score is not defined, as in ``EvaluationReport``
    (never predicted; no validation photo); the file holds 0 for them, beside the confusion matrix
    that says which they are.
    """

    accuracy: float | None = None
    best_epoch: int | None = None
    epochs_run: int | None = None
    val_loss: float | None = None
    precision: dict[str, float | None] = field(default_factory=dict)  # per class name
    recall: dict[str, float | None] = field(default_factory=dict)
    confusion: list[list[int]] = field(default_factory=list)  # rows: true class, columns: predicted
    train_images: int | None = None
    val_images: int | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("precision", "recall"):
            data[key] = {name: stored_score(score) for name, score in data[key].items()}
        return _without_unset(data)

    @classmethod
    def from_dict(cls, data: Any, class_names: list[str]) -> ModelMetrics:
        """``class_names`` names precision and recall stored as plain lists (in class order)."""
        raw = _mapping(data, "the metrics")
        confusion = _matrix(raw.get("confusion"), len(class_names))
        return cls(
            accuracy=_optional(_fraction, raw.get("accuracy")),
            best_epoch=_optional(_int, raw.get("best_epoch")),
            epochs_run=_optional(_int, raw.get("epochs_run")),
            val_loss=_optional(_float, raw.get("val_loss")),
            precision=_undefined_as_none(_per_class(raw.get("precision"), class_names, "precision"),
                                         class_names, never_predicted(confusion)),
            recall=_undefined_as_none(_per_class(raw.get("recall"), class_names, "recall"),
                                      class_names, never_validated(confusion)),
            confusion=confusion,
            train_images=_optional(_int, raw.get("train_images")),
            val_images=_optional(_int, raw.get("val_images")),
        )

    @classmethod
    def of_run(
        cls, report: EvaluationReport, history: list[EpochStats], best_epoch: int, train_images: int
    ) -> ModelMetrics:
        """The summary of a finished run: its evaluation and its best epoch."""
        best = next((h for h in history if h.epoch == best_epoch), None)
        return cls(
            accuracy=report.accuracy,
            best_epoch=best_epoch,
            epochs_run=len(history),
            val_loss=best.val_loss if best is not None else None,
            precision=dict(zip(report.class_names, report.precision, strict=True)),
            recall=dict(zip(report.class_names, report.recall, strict=True)),
            confusion=[list(row) for row in report.confusion],
            train_images=train_images,
            val_images=len(report.predictions),
        )

    def report(self, class_names: list[str]) -> EvaluationReport | None:
        """The evaluation these metrics summarise, without its per-photo predictions (their paths
        belong to the computer the model was trained on); None when the metrics do not hold one."""
        if self.accuracy is None or len(self.confusion) != len(class_names):
            return None
        if set(self.precision) != set(class_names) or set(self.recall) != set(class_names):
            return None
        return EvaluationReport(
            class_names=list(class_names),
            confusion=[list(row) for row in self.confusion],
            precision=[self.precision[n] for n in class_names],
            recall=[self.recall[n] for n in class_names],
            accuracy=self.accuracy,
        )


@dataclass
class TrainingSummary:
    """How the classifier was trained: the model file's ``"training"``."""

    config: TrainConfig | None = None
    regime: Regime | None = None
    freeze_level: int | None = None
    trainable_parameters: int | None = None
    total_parameters: int | None = None
    device: str | None = None
    history: list[EpochStats] = field(default_factory=list)
    timings: RunTimings | None = None

    def to_dict(self) -> dict:
        return _without_unset(
            {
                "config": self.config.to_dict() if self.config is not None else None,
                "regime": str(self.regime) if self.regime is not None else None,
                "freeze_level": self.freeze_level,
                "trainable_parameters": self.trainable_parameters,
                "total_parameters": self.total_parameters,
                "device": self.device,
                "history": [h.to_dict() for h in self.history],
                "timings": self.timings.to_dict() if self.timings is not None else None,
            }
        )

    @classmethod
    def from_dict(cls, data: Any) -> TrainingSummary:
        raw = _mapping(data, "the training summary")
        history = raw.get("history") or []
        if not isinstance(history, list):
            raise ValueError("the history is not a list")
        regime = _optional(_regime, raw.get("regime"))
        return cls(
            config=_optional(_config, raw.get("config")),
            regime=regime,
            freeze_level=_optional(_int, raw.get("freeze_level")),
            trainable_parameters=_optional(_int, raw.get("trainable_parameters")),
            total_parameters=_optional(_int, raw.get("total_parameters")),
            device=_optional(str, raw.get("device")),
            history=[EpochStats.from_dict(row) for row in history],
            timings=_optional(RunTimings.from_dict, raw.get("timings")),
        )


# ---- reading values from JSON ---------------------------------------------------------------------
def _without_unset(data: dict) -> dict:
    # Keys without a value are left out, as files have always been written. A numpy or torch
    # scalar a caller put in (an accuracy computed with numpy) is written as its Python number.
    data = {k: _plain(v) for k, v in data.items()}
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return item()
    return value


def _mapping(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a mapping")
    return value


def _optional(convert, value):
    return None if value is None else convert(value)


def _regime(value: Any) -> Regime:
    try:
        return Regime(value)
    except ValueError:
        raise ValueError(f"unknown regime {value!r}") from None


def _config(value: Any) -> TrainConfig:
    try:
        return TrainConfig.from_dict(_mapping(value, "the settings"))
    except (TypeError, SettingsError) as exc:
        # Damage in a file's summary, not a mistaken option: the caller names the file.
        raise ValueError(f"the settings are invalid ({exc})") from None


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def _float(value: Any) -> float:
    # NaN is allowed: an epoch stopped before its first batch has no training loss.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def _per_class(value: Any, class_names: list[str], what: str) -> dict[str, float]:
    if value is None:
        return {}
    if isinstance(value, list):
        if len(value) != len(class_names):
            raise ValueError(f"the {what} has {len(value)} values for {len(class_names)} classes")
        value = dict(zip(class_names, value, strict=True))
    return {str(name): _fraction(v) for name, v in _mapping(value, f"the {what}").items()}


def _undefined_as_none(scores: dict[str, float], class_names: list[str],
                       undefined: list[bool]) -> dict[str, float | None]:
    """``scores`` with None for the classes the confusion matrix says have none (``undefined``, in
    class order; empty for a file without a matrix, whose scores are taken as they are)."""
    missing = {name for name, flag in zip(class_names, undefined, strict=False) if flag}
    return {name: None if name in missing else score for name, score in scores.items()}


def _fraction(value: Any) -> float:
    number = _float(value)
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        raise ValueError(f"{value!r} is not a fraction")
    return number


def _matrix(value: Any, size: int) -> list[list[int]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) != size or not all(
        isinstance(row, list) and len(row) == size for row in value
    ):
        raise ValueError(f"the confusion matrix is not {size} by {size}")
    return [[_int(v) for v in row] for row in value]
