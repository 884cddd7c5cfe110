"""The data that goes into and comes out of a training run (re-exported by tlgui.core.training.trainer)."""

from __future__ import annotations

import math
import types
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Union, get_args, get_origin, get_type_hints

from tlgui.core.progress import ProgressEvent

if TYPE_CHECKING:
    from tlgui.core.data.bins import SkippedFile
    from tlgui.core.models.classifier import Classifier
    from tlgui.core.training.metrics import EvaluationReport

AUGMENT_STRENGTHS = ("light", "medium", "strong")


@dataclass
class TrainConfig:
    """Everything a user can set before pressing Train. Defaults are the method's fast path."""

    epochs: int = 30
    batch_size: int = 32
    learning_rate: float | None = None  # None: chosen per regime (head 1e-3, fine-tune 3e-4)
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    balance_classes: bool = True  # weight the loss so a rare class counts as much as a common one
    freeze_level: int | None = None  # None: the recommendation for the data
    trainable_overrides: dict[str, bool] = field(default_factory=dict)
    use_cache: bool = True
    augment: bool = True
    augment_strength: str = "medium"
    cached_views: int = 0  # K augmented views per training image on the cached path
    val_fraction: float = 0.2
    seed: int = 0
    device: str = "auto"
    mixed_precision: bool = True
    early_stopping_patience: int | None = 8

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError("epochs must be at least 1")
        if self.batch_size < 1:
            raise ValueError("batch size must be at least 1")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError("the validation fraction must be between 0 and 1")
        if self.augment_strength not in AUGMENT_STRENGTHS:
            raise ValueError(f"augmentation strength must be one of {', '.join(AUGMENT_STRENGTHS)}")
        if self.cached_views < 0:
            raise ValueError("cached views cannot be negative")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise ValueError("the learning rate must be above 0")
        if self.weight_decay < 0:
            raise ValueError("weight decay cannot be negative")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError("label smoothing must be at least 0 and below 1")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Settings as ``to_dict`` wrote them (read back from a file, so trusted in nothing).

        Every value must have its field's type; ValueError (a phrase naming the setting) otherwise.
        Unknown keys come from newer versions of the app: ignored rather than refusing the project.
        """
        if not isinstance(data, dict):
            raise ValueError("the settings are not a table of names and values")
        hints = get_type_hints(cls)
        values = {}
        for f in fields(cls):
            if f.name in data:
                values[f.name] = _typed_value(f.name, data[f.name], hints[f.name])
        return cls(**values)


# Saved whole numbers (counts, levels, seeds) fit 32 bits, as the window's spin boxes need.
_SAVED_INT_LIMIT = 2**31
_SAVED_TEXT_LIMIT = 200


def _typed_value(name: str, value: object, hint: object) -> object:
    """``value`` if it has the type ``hint`` names (an int is taken for a float), else ValueError."""
    if not _has_type(value, hint):
        raise ValueError(f"the setting {name!r} has a value of the wrong type or size")
    if type(value) is int and (hint is float or float in get_args(hint)):
        return float(value)
    return value


def _has_type(value: object, hint: object) -> bool:
    if get_origin(hint) in (Union, types.UnionType):
        return any(_has_type(value, option) for option in get_args(hint))
    if get_origin(hint) is dict:
        key_type, value_type = get_args(hint)
        return isinstance(value, dict) and all(
            _has_type(k, key_type) and _has_type(v, value_type) for k, v in value.items()
        )
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return type(value) is int and -_SAVED_INT_LIMIT < value < _SAVED_INT_LIMIT
    if hint is float:
        if type(value) is int:
            return -_SAVED_INT_LIMIT < value < _SAVED_INT_LIMIT
        return type(value) is float and math.isfinite(value)
    if hint is str:
        return isinstance(value, str) and len(value) <= _SAVED_TEXT_LIMIT
    return False


@dataclass
class EpochStats:
    """One finished epoch, as the curves plot it."""

    epoch: int
    epochs: int
    train_loss: float
    val_loss: float
    val_accuracy: float
    seconds: float
    learning_rate: float
    best: bool = False


@dataclass
class TrainResult:
    """What a training run produced. ``cancelled``: the user stopped it; the best epoch so far is kept."""

    classifier: Classifier
    history: list[EpochStats]
    best_epoch: int
    cancelled: bool
    report: EvaluationReport
    skipped: list[SkippedFile]
    regime: str
    timings: dict[str, float] = field(default_factory=dict)
    ignored_overrides: tuple[str, ...] = ()  # hand-set layers this network does not have, skipped


class TrainingCallback:
    """Subscribe to a training run (Lightning-style hooks). Override what you need."""

    def on_progress(self, event: ProgressEvent) -> None:
        """Phase progress: download, extract, train (per batch), evaluate."""

    def on_epoch_end(self, stats: EpochStats) -> None:
        """After each epoch's validation."""

    def on_train_end(self, result: TrainResult) -> None:
        """Once, with the final result (also after a stop)."""
