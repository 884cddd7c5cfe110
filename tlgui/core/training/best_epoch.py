"""Which epoch is the best so far, the weights it had, and when to stop waiting for a better one."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Generic, TypeVar

State = TypeVar("State")


class BestEpochTracker(Generic[State]):
    """Keeps the best epoch's state; says when ``patience`` epochs have passed without a better one.

    Best means the highest validation accuracy, ties broken by the lower validation loss: on a few
    dozen validation photos accuracy ties often, and the loss still says which epoch is surer.
    ``patience`` None never stops early.

    One tracker follows a whole run, across its phases: an epoch of the fine-tune replaces the
    head's best only by beating it. Patience is counted within the current phase
    (``start_phase``), so a fine-tune is not stopped by epochs the head phase spent waiting.
    """

    def __init__(self, patience: int | None):
        self.patience = patience
        self.best_epoch = 0
        self.best_accuracy = -math.inf
        self.best_loss = math.inf
        self.best_state: State | None = None
        self._last_epoch = 0
        self._phase_start = 1

    def start_phase(self, first_epoch: int) -> None:
        """The next epochs, from ``first_epoch`` on, belong to a new phase: patience starts over."""
        self._phase_start = first_epoch

    def offer(self, epoch: int, val_accuracy: float, val_loss: float, snapshot: Callable[[], State]) -> bool:
        """Record a finished epoch; ``snapshot()`` is taken only when it is the best so far.

        Returns whether it is. The loop refuses non-finite losses before they get here.
        """
        self._last_epoch = epoch
        improved = (val_accuracy, -val_loss) > (self.best_accuracy, -self.best_loss)
        if improved:
            self.best_epoch, self.best_accuracy, self.best_loss = epoch, val_accuracy, val_loss
            self.best_state = snapshot()
        return improved

    @property
    def should_stop(self) -> bool:
        """Whether the last ``patience`` epochs brought nothing better than the best one."""
        waiting_since = max(self.best_epoch, self._phase_start - 1)
        return self.patience is not None and self._last_epoch - waiting_since >= self.patience
