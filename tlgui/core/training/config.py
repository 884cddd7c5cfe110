"""The data that goes into and comes out of a training run (re-exported by tlgui.core.training.trainer)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING

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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        # Unknown keys come from newer versions of the app: ignore them rather than refuse the project.
        return cls(**{k: v for k, v in data.items() if k in known})


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
