"""What a user sets before pressing Train, and the defaults the method starts from.

What a run produces is in ``results`` (``TrainResult``) and ``summary`` (``EpochStats`` and the
summaries stored in the model file); how to follow a run is ``callbacks.TrainingCallback``.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import asdict, dataclass, field, fields

from tlgui.core.errors import SettingsError
from tlgui.core.i18n import N_, _
from tlgui.core.plan.regime import Regime

AUGMENT_STRENGTHS = ("light", "medium", "strong")

# Learning rates when the user leaves ``TrainConfig.learning_rate`` unset, per regime (the new head's;
# pretrained stages get ``loop.BODY_LR_FACTOR`` of it). A head alone starts from random weights and
# takes big steps; once pretrained stages train too, smaller steps keep them from forgetting what
# they learned on ImageNet.
HEAD_LEARNING_RATE = 3e-3
# A partial fine-tune starts from the trained head and moves only the top stages, on cached
# activations. Measured on trashnet (2,527 photos, head + last 2 stages, one cached augmented view,
# seed 0; best validation accuracy of 505 photos): 1e-3 gave 92.3% (466) in 43 epochs, 2e-3 gave
# 94.5% (477) in 34. The defaults (the view cached for the fine-tune only) on the same split with
# training seeds 0, 1, 2: 93.5% (472) in 34 epochs, 92.9% (469) in 40, 93.9% (474) in 37.
PARTIAL_LEARNING_RATE = 2e-3
# A full fine-tune moves the earliest layers too, which a higher rate was not measured on.
FULL_LEARNING_RATE = 1e-3


# Augmented views per training photo that a partial fine-tune on cached activations trains on at
# least (besides the plain crop), whatever ``TrainConfig.cached_views`` asks of the head. Without them
# the trainable stages see the same crop of each photo every epoch and learn it by heart; the head
# phase keeps ``cached_views`` (0 by default), so the first usable model comes no later. Each view is
# one more pass of the training photos through the frozen trunk, once. Measured on trashnet (2,527
# photos, head + last 2 stages at a rate of 1e-3, seed 0; best validation accuracy of 505 photos):
# no view gave 91.9% (464) in 39 epochs, one 92.3% (466) in 43, two 91.9% in 29 (the head phase had
# the views too); at 2e-3 (PARTIAL_LEARNING_RATE) one view gave 94.5% (477) in 34. One view adds
# about 5% to the planned time of a run (the extraction of one more pass at the boundary).
FINE_TUNE_CACHED_VIEWS = 1


def default_learning_rate(regime: Regime) -> float:
    """The learning rate of the new head when the user chose none (see ``loop.BODY_LR_FACTOR`` for the
    pretrained stages)."""
    return {Regime.HEAD: HEAD_LEARNING_RATE, Regime.PARTIAL: PARTIAL_LEARNING_RATE,
            Regime.FULL: FULL_LEARNING_RATE}[Regime(regime)]


def cached_views_of(config: TrainConfig, regime: Regime) -> int:
    """Augmented views per training photo cached for a phase of ``regime`` (0 with augmentation off).

    The head phase caches ``config.cached_views``; a partial fine-tune at least ``FINE_TUNE_CACHED_VIEWS``.
    A full fine-tune decodes its photos every epoch, augmented afresh: it caches none.
    """
    if not config.augment or regime is Regime.FULL:
        return 0
    if regime is Regime.PARTIAL:
        return max(config.cached_views, FINE_TUNE_CACHED_VIEWS)
    return config.cached_views


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
        """Refuse any value the trainer cannot use, in one sentence (SettingsError).

        The window, the command line and a project file all build a TrainConfig, so they share these
        rules. Numbers are stored as plain ``int`` and ``float`` (a numpy integer from a caller
        becomes an ``int``), so ``to_dict`` always gives JSON.
        """
        self.epochs = check_whole_number(self.epochs, "epochs", 1, MAX_EPOCHS)
        self.batch_size = check_whole_number(self.batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        if self.learning_rate is not None:
            self.learning_rate = check_real_number(
                self.learning_rate, "learning_rate", 0.0, MAX_LEARNING_RATE, low_open=True
            )
        self.weight_decay = check_real_number(self.weight_decay, "weight_decay", 0.0, MAX_WEIGHT_DECAY)
        self.label_smoothing = check_real_number(self.label_smoothing, "label_smoothing", 0.0, 1.0, high_open=True)
        if self.freeze_level is not None:
            self.freeze_level = check_whole_number(self.freeze_level, "freeze_level", 0, MAX_FREEZE_LEVEL)
        self.trainable_overrides = _check_overrides(self.trainable_overrides)
        self.cached_views = check_whole_number(self.cached_views, "cached_views", 0, MAX_CACHED_VIEWS)
        self.val_fraction = check_real_number(
            self.val_fraction, "val_fraction", 0.0, 1.0, low_open=True, high_open=True
        )
        self.seed = check_whole_number(self.seed, "seed", 0, MAX_SEED)
        if self.early_stopping_patience is not None:
            self.early_stopping_patience = check_whole_number(
                self.early_stopping_patience, "early_stopping_patience", 1, MAX_EPOCHS
            )
        for name in ("balance_classes", "use_cache", "augment", "mixed_precision"):
            _check_flag(getattr(self, name), name)
        if self.augment_strength not in AUGMENT_STRENGTHS:
            raise SettingsError(
                _(
                    "{title} must be one of {names}, not {shown}."
                ).format(
                    title=_title('augment_strength'), names=', '.join(AUGMENT_STRENGTHS), shown=_shown(self.augment_strength)),
                setting="augment_strength",
            )
        self.device = check_device_name(self.device)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """The settings saved in a project; SettingsError names the first value that cannot be used.

        Unknown keys come from newer versions of the app: they are ignored rather than the project
        refused. Missing keys take their defaults (older projects lack newer settings).
        """
        if not isinstance(data, dict):
            raise SettingsError(_('The training settings are not a table of names and values.'))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# ---- the rules behind TrainConfig.__post_init__ ----------------------------------------------------
# Upper limits far beyond any useful run: they turn a typing slip (an extra zero or three) into a
# message instead of a run that never ends or a batch that cannot fit in any memory.
MAX_EPOCHS = 10_000
MAX_BATCH_SIZE = 4096
MAX_CACHED_VIEWS = 50
#: A freeze level above a network's stage count means "every stage" (set_freeze_level clamps it).
MAX_FREEZE_LEVEL = 10_000
#: AdamW with a learning rate above this diverges at once; the window's field stops at it as well.
MAX_LEARNING_RATE = 10.0
MAX_WEIGHT_DECAY = 1.0
#: The seed feeds random.Random, torch generators and seed * 100_003 + epoch; 32 bits keep that in range.
MAX_SEED = 2**32 - 1

#: How each setting is named in a message, as the start of a sentence.
_TITLES = {
    "epochs": N_("The number of epochs"),
    "batch_size": N_("The batch size"),
    "learning_rate": N_("The learning rate"),
    "weight_decay": N_("The weight decay"),
    "label_smoothing": N_("Label smoothing"),
    "freeze_level": N_("The freeze level"),
    "cached_views": N_("The number of cached augmented views"),
    "val_fraction": N_("The validation fraction"),
    "seed": N_("The random seed"),
    "early_stopping_patience": N_("The early-stopping patience"),
    "balance_classes": N_("Class balancing"),
    "use_cache": N_("The feature-cache switch"),
    "augment": N_("The augmentation switch"),
    "mixed_precision": N_("The mixed-precision switch"),
    "augment_strength": N_("The augmentation strength"),
    "device": N_("The device"),
    "trainable_overrides": N_("The trainable-layer overrides"),
}
_DEVICE_NAME = re.compile(r"auto|cpu|mps|cuda(:[0-9]{1,3})?")


def check_whole_number(value: object, setting: str, low: int, high: int) -> int:
    """``value`` as an ``int`` if it is a whole number from ``low`` to ``high``, else SettingsError.

    A bool or a float such as 3.0 is refused: in a project file either means the file was edited by
    hand or damaged.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value <= high:
        return int(value)
    raise SettingsError(
        _(
            "{title} must be a whole number from {low:,} to {high:,}, not {shown}."
        ).format(title=_title(setting), low=low, high=high, shown=_shown(value)), setting=setting
    )


def check_real_number(
    value: object, setting: str, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> float:
    """``value`` as a finite ``float`` inside the range, else SettingsError; ``*_open`` leaves a bound out."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        above = number > low if low_open else number >= low
        below = number < high if high_open else number <= high
        if math.isfinite(number) and above and below:
            return number
    lower = (_("above {low:g}") if low_open else _("at least {low:g}")).format(low=low)
    upper = (_("below {high:g}") if high_open else _("at most {high:g}")).format(high=high)
    raise SettingsError(_(
        "{title} must be a number {lower} and {upper}, not {shown}."
    ).format(title=_title(setting), lower=lower, upper=upper, shown=_shown(value)), setting=setting)


def check_device_name(value: object) -> str:
    """The device setting in lower case: auto, cpu, mps, cuda or cuda:N; SettingsError otherwise.

    Whether this computer has that device is pick_device's question, asked when a run starts.
    """
    if isinstance(value, str) and _DEVICE_NAME.fullmatch(value.strip().lower()):
        return value.strip().lower()
    raise SettingsError(_(
        "The device must be auto, cpu, cuda, cuda:N or mps, not {shown}."
    ).format(shown=_shown(value)), setting="device")


def _check_flag(value: object, setting: str) -> None:
    if not isinstance(value, bool):
        raise SettingsError(_(
            "{title} must be true or false, not {shown}."
        ).format(title=_title(setting), shown=_shown(value)), setting=setting)


def _check_overrides(value: object) -> dict[str, bool]:
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, bool) for k, v in value.items()):
        return dict(value)
    raise SettingsError(
        _(
            "{title} must map layer names to true or false."
        ).format(title=_title('trainable_overrides')), setting="trainable_overrides"
    )


def _title(setting: str) -> str:
    return _(_TITLES[setting]) if setting in _TITLES else setting


def _shown(value: object) -> str:
    """A value as a message shows it: short, and quoted when it is text."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
