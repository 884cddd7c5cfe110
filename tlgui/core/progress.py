"""Progress events and cancellation shared by every long operation of the engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from tlgui.core.errors import Cancelled
from tlgui.core.i18n import N_, _


class Phase(StrEnum):
    """The long steps the engine reports on; ``title`` is the one wording every driver shows."""

    SCAN = "scan"
    DOWNLOAD = "download"
    EXTRACT = "extract"
    TRAIN = "train"
    EVALUATE = "evaluate"
    PREDICT = "predict"
    EXPORT = "export"
    CHECK = "check"

    @property
    def title(self) -> str:
        return _(_PHASE_TITLES[self])


_PHASE_TITLES = {
    Phase.SCAN: N_("Reading photos"),
    Phase.DOWNLOAD: N_("Downloading weights"),
    Phase.EXTRACT: N_("Extracting features"),
    Phase.TRAIN: N_("Training"),
    Phase.EVALUATE: N_("Evaluating"),
    Phase.PREDICT: N_("Classifying"),
    Phase.EXPORT: N_("Exporting"),
    Phase.CHECK: N_("Checking the photos"),
}


@dataclass
class ProgressEvent:
    """One progress report of a ``Phase`` (a StrEnum, so it also compares equal to its value)."""

    phase: Phase
    done: int
    total: int | None
    rate: float | None = None
    eta_s: float | None = None
    message: str = ""
    loss: float | None = None  # training phase: running mean loss of the current epoch

    def __post_init__(self) -> None:
        # An emitter may still pass the plain value ("train"); drivers can always read ``.title``.
        self.phase = Phase(self.phase)

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


ProgressFn = Callable[[ProgressEvent], None]


def no_progress(_event: ProgressEvent) -> None:
    """A progress function that ignores everything."""


class CancelToken:
    """A flag the GUI thread sets and the worker polls between batches: the only shared state."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class RateMeter:
    """Turns (done, total) counts into a ProgressEvent with a smoothed rate and ETA."""

    def __init__(self, phase: Phase, total: int | None, callback: ProgressFn | None, *, min_interval_s: float = 0.1):
        self.phase = Phase(phase)
        self.total = total
        self.callback = callback or no_progress
        self.min_interval_s = min_interval_s
        self.start = time.perf_counter()
        self._last_emit = 0.0

    def update(self, done: int, message: str = "", *, force: bool = False, loss: float | None = None) -> None:
        now = time.perf_counter()
        finished = self.total is not None and done >= self.total
        if not (force or finished) and now - self._last_emit < self.min_interval_s:
            return
        self._last_emit = now
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 and done > 0 else None
        eta = (self.total - done) / rate if rate and self.total is not None else None
        self.callback(ProgressEvent(self.phase, done, self.total, rate, eta, message, loss))
