"""How the window, the command line and the tests follow a training run (Lightning-style hooks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tlgui.core.progress import ProgressEvent
    from tlgui.core.training.results import TrainResult
    from tlgui.core.training.summary import EpochStats


class TrainingCallback:
    """Subscribe to a training run. Override what you need; every hook runs on the training thread."""

    def on_progress(self, event: ProgressEvent) -> None:
        """Phase progress: download, extract, train (per batch), evaluate."""

    def on_epoch_end(self, stats: EpochStats) -> None:
        """After each epoch's validation."""

    def on_train_end(self, result: TrainResult) -> None:
        """Once, with the final result (also after a stop)."""
