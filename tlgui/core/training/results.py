"""What ``train()`` returns: the classifier and everything the run learned about it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tlgui.core.plan.regime import Regime
from tlgui.core.training.summary import EpochStats, RunTimings

if TYPE_CHECKING:
    from tlgui.core.data.bins import SkippedFile
    from tlgui.core.models.classifier import Classifier
    from tlgui.core.training.metrics import EvaluationReport

__all__ = ["BestSoFar", "EpochStats", "RunTimings", "TrainResult"]


@dataclass
class TrainResult:
    """What a training run produced. ``cancelled``: the user stopped it; the best epoch so far is kept.

    ``report`` has the per-photo predictions on the validation photos, which the model file does
    not keep; ``skipped`` lists the photos that could not be read and were left out.

    ``regime`` and ``freeze_level`` are what the run trained: the chosen level once a fine-tune
    epoch has run, the head's before. The model kept is described by ``classifier.training``: the
    head's (level 0) when no fine-tune epoch beat the head's best, which ``history[best_epoch - 1]
    .phase`` tells.
    """

    classifier: Classifier
    history: list[EpochStats]
    best_epoch: int
    cancelled: bool
    report: EvaluationReport
    skipped: list[SkippedFile]
    regime: Regime
    #: The freeze level of ``regime`` (the recommendation resolved); None from older callers.
    freeze_level: int | None = None
    timings: RunTimings = field(default_factory=RunTimings)
    #: Hand-set layer choices that name no module of this network (another backbone's): skipped.
    ignored_overrides: tuple[str, ...] = ()
    #: Sentences about what went wrong on the side without stopping the run (e.g. a busy feature cache).
    warnings: tuple[str, ...] = ()


class BestSoFar:
    """A fine-tune's best epoch so far, as the run would end if it stopped now (not marked stopped).

    Handed to ``TrainingCallback.on_best_so_far`` after each fine-tune epoch that beats the run's
    best, and cheap to hand out: nothing is copied until ``result()`` is asked for. That builds the
    result once, on the asking thread (a copy of the model, the epoch's weights loaded into it), and
    never touches what the run goes on changing, so a window can keep it while training continues.
    ``epoch`` and ``accuracy`` are those of the epoch.
    """

    def __init__(self, epoch: int, accuracy: float, build: Callable[[], TrainResult]):
        self.epoch = epoch
        self.accuracy = accuracy
        self._build: Callable[[], TrainResult] | None = build
        self._result: TrainResult | None = None
        self._lock = threading.Lock()

    def result(self) -> TrainResult:
        with self._lock:
            if self._result is None:
                assert self._build is not None
                self._result = self._build()
                self._build = None  # what it held (the epoch's weights) lives on in the result alone
            return self._result
