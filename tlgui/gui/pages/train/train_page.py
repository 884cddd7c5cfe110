"""The Train page: settings, Start/Stop, a named progress bar, live curves.

Training runs in a TaskSlot. The engine's callbacks become ``report("progress", event)`` and
``report("epoch", stats)`` on the worker thread and arrive here as queued signals, so the window
stays responsive; the engine already throttles progress to about ten events a second, but epochs
come as fast as they finish (dozens a second for a head on a warm cache), so each is handled in
well under a millisecond and the curves redraw on their own timer.

Nothing slow runs on the GUI thread when a run starts: the photos are snapshotted by copying their
containers only, and the network is handed over as it is, because ``train()`` deep-copies it on the
worker thread (tens of milliseconds of copying, hundreds under load).
"""

from __future__ import annotations

import gc
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from tlgui.core.backbones.catalogue import get_spec
from tlgui.core.errors import TlguiError
from tlgui.core.plan.freeze_plan import ignored_note, plan_for_dataset
from tlgui.core.progress import ProgressEvent
from tlgui.core.training.callbacks import TrainingCallback
from tlgui.core.training.results import TrainResult
from tlgui.core.training.summary import EpochStats
from tlgui.gui.pages.train.train_settings import TrainSettingsForm
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.curves import TrainingCurves
from tlgui.gui.widgets.plain_text import make_plain
from tlgui.gui.widgets.progress_panel import ProgressPanel
from tlgui.gui.widgets.progress_text import format_duration

ERROR_STYLE = "color: #b03a2e;"


class ReportingCallback(TrainingCallback):
    """Forwards the trainer's hooks to a TaskSlot job's ``report`` (called on the worker thread)."""

    def __init__(self, report):
        self._report = report

    def on_progress(self, event: ProgressEvent) -> None:
        self._report("progress", event)

    def on_epoch_end(self, stats: EpochStats) -> None:
        self._report("epoch", stats)


def train(*args, **kwargs) -> TrainResult:
    """The engine's ``train``, imported on the first run (it loads torch) and so on the run's thread."""
    from tlgui.core.training.trainer import train as engine_train

    return engine_train(*args, **kwargs)


def stopped_message(result: TrainResult) -> str:
    """What the user is told after Stop: which epoch was kept and how good it was."""
    best = next((s for s in result.history if s.epoch == result.best_epoch), None)
    accuracy = best.val_accuracy if best is not None else result.report.accuracy
    return f"Stopped — kept the best model so far (epoch {result.best_epoch}, accuracy {accuracy:.1%})."


def finished_message(result: TrainResult) -> str:
    """The one-line summary of a run that ended by itself."""
    last = result.history[-1] if result.history else None
    text = f"Finished — validation accuracy {result.report.accuracy:.1%} (best epoch {result.best_epoch}"
    if last is not None and last.epoch < last.epochs:
        text += f"; stopped early at epoch {last.epoch} of {last.epochs}: no further improvement"
    text += f") in {format_duration(result.timings.total_s)}."
    return text


def _history_from_classifier(classifier) -> list[EpochStats]:
    """The curves of a classifier trained earlier (project reopened): stored in its training summary."""
    return list(classifier.training.history) if classifier is not None else []


class TrainPage(QWidget):
    """Settings form, Start / Stop, progress, live curves, and the outcome in words.

    ``busyChanged(bool)`` tells the window a run started or ended (e.g. to guard closing).
    """

    busyChanged = Signal(bool)

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.slot = TaskSlot(self)
        self.slot.progress.connect(self._on_progress)
        self.slot.reported.connect(self._on_reported)
        self.slot.failed.connect(self._on_failed)
        self.slot.cancelled.connect(self._on_cancelled)
        self.slot.done.connect(self._on_done)
        self._writing_config = False

        self.form = TrainSettingsForm()
        self.form.changed.connect(self._on_form_changed)
        self.plan_label = make_plain(QLabel())  # an unknown backbone id from a project file, as it is
        self.plan_label.setWordWrap(True)
        self.start_button = QPushButton("Start training")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.progress = ProgressPanel("Stop")
        self.progress.cancelRequested.connect(self.stop)
        self.message = make_plain(QLabel())  # the engine's messages name classes and photos
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.curves = TrainingCurves()
        self._build_layout()

        controller.configChanged.connect(self._on_config_changed)
        controller.networkChanged.connect(self._update_plan)
        controller.datasetChanged.connect(self._update_plan)
        controller.backboneChanged.connect(self._update_plan)
        controller.classifierChanged.connect(self._on_classifier_changed)
        self._on_config_changed()
        self._on_classifier_changed()

    def _build_layout(self) -> None:
        settings = QGroupBox("Settings")
        settings_layout = QVBoxLayout(settings)
        settings_layout.addWidget(self.form)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(settings)
        left_layout.addWidget(self.plan_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addStretch(1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.message)
        left_layout.addStretch(1)
        left.setMinimumWidth(360)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.curves)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([400, 880])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # -- running --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.slot.busy

    def start(self) -> None:
        """Train with the form's settings on a snapshot of the photos and the network."""
        if self.slot.busy:
            return
        controller = self.controller
        config = self.form.config(controller.config)
        self._write_config(config)
        # The data and model pages stay editable while it trains. The photos: a snapshot of the bins.
        # The network: train() copies it (on the worker thread) and sets its freeze state from
        # run_config, and the pages never change its weights or layers in place: the Model page
        # only flips requires_grad flags (overwritten in the copy) or installs a new network.
        dataset = controller.dataset.copy()
        backbone = controller.network if controller.network is not None else controller.backbone_id
        run_config = replace(config, use_cache=self.form.cache_in_effect())

        def job(token, report):
            return train(dataset, run_config, backbone=backbone, callbacks=[ReportingCallback(report)], cancel=token)

        # A full garbage collection walks every object Python tracks (half a million once torch and
        # the window are loaded: a quarter of a second) holding the GIL, on whichever thread it
        # happens, so it stalls the window; the run's own allocations (copying the network) trigger
        # one. What is alive now (modules, widgets, the project) stays out of collections until the
        # run ends, so one walks only what the run made: milliseconds.
        gc.freeze()
        self.curves.clear()
        self._show_message("")
        self.start_button.setEnabled(False)
        self.progress.start("Preparing…")
        self.busyChanged.emit(True)
        self.slot.start(job, self._on_finished)

    def stop(self) -> None:
        """Ask the run to stop between batches; the best epoch so far is kept."""
        self.slot.cancel()

    def shutdown(self) -> None:
        """Stop a run (window closing): the best epoch so far is kept if it stops in time."""
        self.slot.shutdown()
        gc.unfreeze()  # _on_done may never come now

    def _on_progress(self, event: ProgressEvent) -> None:
        self.progress.follow(event)

    def _on_reported(self, kind: str, payload: object) -> None:
        if kind == "epoch" and isinstance(payload, EpochStats):
            self.curves.add_epoch(payload)
            best = " — best so far" if payload.best else ""
            self._show_message(
                f"Epoch {payload.epoch}/{payload.epochs}: validation accuracy {payload.val_accuracy:.1%}{best}."
            )

    def _on_finished(self, result: TrainResult) -> None:
        self.curves.set_history(result.history)
        self.controller.set_training_result(result)
        text = stopped_message(result) if result.cancelled else finished_message(result)
        if result.skipped:
            text += f" {len(result.skipped)} photo(s) could not be read and were left out."
        for warning in result.warnings:
            text += f" {warning}"
        self._show_message(text)
        self.controller.show_status(text)

    def _on_failed(self, message: str, _details: str) -> None:
        self._show_message(message, error=True)
        self.controller.report_error(message)

    def _on_cancelled(self) -> None:
        text = "Stopped before the first epoch finished: there is no model to keep."
        self._show_message(text)
        self.controller.show_status(text)

    def _on_done(self) -> None:
        # Back into the collector's view, so that cycles dropped since the start are freed after all.
        gc.unfreeze()
        self.progress.finish()
        self.start_button.setEnabled(True)
        self.busyChanged.emit(False)

    # -- settings and plan ------------------------------------------------------------------------

    def _on_form_changed(self) -> None:
        self._write_config(self.form.config(self.controller.config))

    def _write_config(self, config) -> None:
        if config == self.controller.config:
            return
        self._writing_config = True
        try:
            self.controller.set_config(config)
        finally:
            self._writing_config = False

    def _on_config_changed(self) -> None:
        if not self._writing_config:
            self.form.load(self.controller.config)
        self.curves.set_planned_epochs(self.controller.config.epochs)
        self._update_plan()

    def _update_plan(self) -> None:
        """Say what will train, and enable only the options the data and freeze level allow."""
        controller = self.controller
        dataset, net = controller.dataset, controller.network
        self.form.set_predefined_split(bool(getattr(dataset, "has_predefined_split", False)))
        plan = plan_for_dataset(net, dataset, controller.config) if net is not None else None
        # The cache holds activations below the first trainable stage; it needs that stage above 0.
        self.form.set_cache_allowed(plan is None or plan.first_trainable_stage > 0)
        counts = dataset.class_counts()
        photos = sum(counts.values())
        try:
            title = get_spec(controller.backbone_id).title
        except TlguiError:
            title = controller.backbone_id
        if plan is not None:
            what = plan.level_name + (" (with hand-set layers)" if plan.overrides else "")
        elif controller.config.freeze_level is None:
            what = "the recommended layers"
        elif controller.config.freeze_level == 0:
            what = "Head only"
        else:
            # The network loads with the Model tab; until then the level is all there is to say.
            what = f"Head + last {controller.config.freeze_level} stage(s)"
        photos_text = f"{photos} photo{'s' if photos != 1 else ''} in {len(counts)} class{'es' if len(counts) != 1 else ''}"
        note = f"\n{ignored_note(plan.ignored)}" if plan is not None and plan.ignored else ""
        self.plan_label.setText(f"{title}\nTrains: {what}\nData: {photos_text}{note}")

    def _on_classifier_changed(self) -> None:
        if self.slot.busy:
            return
        result = self.controller.last_result
        history = result.history if result is not None else _history_from_classifier(self.controller.classifier)
        self.curves.set_history(history)

    def _show_message(self, text: str, *, error: bool = False) -> None:
        style = ERROR_STYLE if error else ""
        # Setting a style sheet re-polishes the label even when it is the same one: once per epoch
        # that is measurable, so only when it changes.
        if self.message.styleSheet() != style:
            self.message.setStyleSheet(style)
        if self.message.text() != text:
            self.message.setText(text)
