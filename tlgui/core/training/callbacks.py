"""How the window, the command line and the tests follow a training run (Lightning-style hooks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tlgui.core.models.classifier import Classifier
    from tlgui.core.progress import ProgressEvent
    from tlgui.core.training.results import BestSoFar, TrainResult
    from tlgui.core.training.summary import EpochStats


class TrainingCallback:
    """Subscribe to a training run. Override what you need; every hook runs on the training thread."""

    def on_progress(self, event: ProgressEvent) -> None:
        """Phase progress: download, extract, train (per batch), evaluate."""

    def on_epoch_end(self, stats: EpochStats) -> None:
        """After each epoch's validation."""

    def on_model_ready(self, classifier: Classifier) -> None:
        """Once, as soon as a usable model exists: the new head trained on cached features (the
        first phase of every run). When the fine-tune follows, it trains on a copy: this classifier
        is the caller's to keep, classify with or save while the run goes on."""

    def on_head_result(self, result: TrainResult) -> None:
        """Once, in a run that fine-tunes, when its new head is trained (right after
        ``on_model_ready``): the run as it would end if it stopped now, ``result.classifier`` being
        the model ``on_model_ready`` handed out, with its evaluation (each validation photo's
        prediction included). What a project keeps of a run that has not ended
        (``runs.RunInProgress``)."""

    def on_best_so_far(self, best: BestSoFar) -> None:
        """In a run that fine-tunes, after each fine-tune epoch that beats the run's best (after
        its ``on_epoch_end``): the run as it would end if it stopped now, built when asked
        (``best.result()``). What a project keeps of a run that has not ended, once the fine-tune
        has done better than the head."""

    def on_train_end(self, result: TrainResult) -> None:
        """Once, with the final result (also after a stop)."""
