"""What a user sets before pressing Train, and the defaults the method starts from.

What a run produces is in ``results`` (``TrainResult``) and ``summary`` (``EpochStats`` and the
summaries stored in the model file); how to follow a run is ``callbacks.TrainingCallback``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from tlgui.core.plan.regime import Regime

AUGMENT_STRENGTHS = ("light", "medium", "strong")

# Learning rates when the user leaves ``TrainConfig.learning_rate`` unset. A head alone starts from
# random weights and takes big steps; once pretrained stages train too, smaller steps keep them
# from forgetting what they learned on ImageNet.
HEAD_LEARNING_RATE = 3e-3
FINE_TUNE_LEARNING_RATE = 1e-3


def default_learning_rate(regime: Regime) -> float:
    """The learning rate of the new head when the user chose none (earlier stages get less)."""
    return HEAD_LEARNING_RATE if regime is Regime.HEAD else FINE_TUNE_LEARNING_RATE


@dataclass
class TrainConfig:
    """Everything a user can set before pressing Train. Defaults are the method's fast path."""

    epochs: int = 30
    batch_size: int = 32
    learning_rate: float | None = None  # None: default_learning_rate(regime)
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
