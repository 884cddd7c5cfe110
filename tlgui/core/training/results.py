"""What ``train()`` returns: the classifier and everything the run learned about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tlgui.core.plan.regime import Regime
from tlgui.core.training.summary import EpochStats, RunTimings

if TYPE_CHECKING:
    from tlgui.core.data.bins import SkippedFile
    from tlgui.core.models.classifier import Classifier
    from tlgui.core.training.metrics import EvaluationReport

__all__ = ["EpochStats", "RunTimings", "TrainResult"]


@dataclass
class TrainResult:
    """What a training run produced. ``cancelled``: the user stopped it; the best epoch so far is kept.

    ``report`` has the per-photo predictions on the validation photos, which the model file does
    not keep; ``skipped`` lists the photos that could not be read and were left out.
    """

    classifier: Classifier
    history: list[EpochStats]
    best_epoch: int
    cancelled: bool
    report: EvaluationReport
    skipped: list[SkippedFile]
    regime: Regime
    timings: RunTimings = field(default_factory=RunTimings)
    #: Hand-set layer choices that name no module of this network (another backbone's): skipped.
    ignored_overrides: tuple[str, ...] = ()
    #: Sentences about what went wrong on the side without stopping the run (e.g. a busy feature cache).
    warnings: tuple[str, ...] = ()
