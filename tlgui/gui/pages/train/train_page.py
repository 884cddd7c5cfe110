"""The Train page: settings, what will train and how long it takes here, Start/Stop, a named
progress bar, live curves.

Before Start, the page says how long the chosen level and its alternatives take for these photos
on this computer (``estimate_plan``, in a second TaskSlot: the first time for a network and device
it measures, which takes seconds; then it is remembered). A run trains the new head first: as soon
as that model exists (``on_head_result``) it becomes the project's classifier, so Classify and
Export work while the fine-tune goes on, and a save keeps it; the run's result replaces it at the end.
A run the window gave up waiting for (``shutdown``) is kept as far as it had come, and the page is
idle again.

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
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.backbones.catalogue import get_spec, missing_weights
from tlgui.core.errors import TlguiError
from tlgui.core.i18n import run_on
from tlgui.core.plan.durations import duration_text
from tlgui.core.plan.freeze_plan import FreezePlan, ignored_note, plan_for_dataset, planned_regime
from tlgui.core.plan.recommend import uneven_classes_warning, weigh_time
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import ProgressEvent
from tlgui.core.training.callbacks import TrainingCallback
from tlgui.core.training.results import BestSoFar, TrainResult
from tlgui.core.training.summary import EpochStats
from tlgui.gui.pages.train.train_settings import TrainSettingsForm
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.curves import TrainingCurves
from tlgui.gui.widgets.plain_text import make_plain
from tlgui.gui.widgets.progress_panel import ProgressPanel
from tlgui.gui.widgets.progress_text import counted, format_duration

if TYPE_CHECKING:
    from tlgui.core.plan.estimate import FirstModelEstimate, PlanEstimate
    from tlgui.core.training.runs import Run

ERROR_STYLE = "color: #b03a2e;"
# Settings and photos change in bursts (typing, a slider, a drop): estimate once they settle.
ESTIMATE_DELAY_MS = 400


class ReportingCallback(TrainingCallback):
    """Forwards the trainer's hooks to a TaskSlot job's ``report`` (called on the worker thread)."""

    def __init__(self, report):
        self._report = report

    def on_progress(self, event: ProgressEvent) -> None:
        self._report("progress", event)

    def on_epoch_end(self, stats: EpochStats) -> None:
        self._report("epoch", stats)

    def on_head_result(self, result: TrainResult) -> None:
        self._report("head", result)

    def on_best_so_far(self, best: BestSoFar) -> None:
        self._report("best", best)


def train(*args, **kwargs) -> TrainResult:
    """The engine's ``train``, imported on the first run (it loads torch) and so on the run's thread."""
    from tlgui.core.training.trainer import train as engine_train

    return engine_train(*args, **kwargs)


def _kept_values(run: Run) -> dict[str, object]:
    """What the messages about a run kept as far as it had come name: it, its model's epoch and accuracy."""
    return {"run": run.title, "epoch": run.best_epoch,
            "accuracy": "?" if run.accuracy is None else f"{run.accuracy:.1%}"}


def stopped_message(result: TrainResult) -> str:
    """What the user is told after Stop: which epoch was kept and how good it was."""
    best = next((s for s in result.history if s.epoch == result.best_epoch), None)
    accuracy = best.val_accuracy if best is not None else result.report.accuracy
    return QCoreApplication.translate(
        "TrainPage", "Stopped — kept the best model so far (epoch {epoch}, accuracy {accuracy})."
    ).format(epoch=result.best_epoch, accuracy=f"{accuracy:.1%}")


def finished_message(result: TrainResult) -> str:
    """The one-line summary of a run that ended by itself."""
    last = result.history[-1] if result.history else None
    best = next((s for s in result.history if s.epoch == result.best_epoch), None)
    phases = {s.phase for s in result.history}
    details = QCoreApplication.translate("TrainPage", "best epoch {epoch}").format(epoch=result.best_epoch)
    if len(phases) > 1 and best is not None:
        details = QCoreApplication.translate("TrainPage", "{details}, {phase}").format(
            details=details, phase=phase_title(best.phase))
    if last is not None and last.epoch < last.epochs:
        details = QCoreApplication.translate(
            "TrainPage", "{details}; stopped early at epoch {epoch} of {epochs}: no further improvement"
        ).format(details=details, epoch=last.epoch, epochs=last.epochs)
    values = {"accuracy": f"{result.report.accuracy:.1%}", "details": details,
              "duration": format_duration(result.timings.total_s)}
    if len(phases) > 1 and result.timings.first_model_s is not None:
        return QCoreApplication.translate(
            "TrainPage",
            "Finished — validation accuracy {accuracy} ({details}) in {duration}; a usable model after {first}.",
        ).format(first=format_duration(result.timings.first_model_s), **values)
    return QCoreApplication.translate(
        "TrainPage", "Finished — validation accuracy {accuracy} ({details}) in {duration}."
    ).format(**values)


def phase_title(phase: Regime | None) -> str:
    """How an epoch's phase is named in a message."""
    if phase is Regime.HEAD:
        return QCoreApplication.translate("TrainPage", "the new head")
    return QCoreApplication.translate("TrainPage", "fine-tune")


def estimate_text(estimate: PlanEstimate, plan: FreezePlan | None) -> str:
    """What the chosen level and its alternatives take on this computer, and the recommendation
    weighed by that time."""
    chosen = estimate.chosen
    values = {"device": _device_kind(estimate.device), "duration": duration_text(chosen.total_s),
              "first": duration_text(chosen.first_model_s)}
    if chosen.regime is Regime.HEAD:
        lines = [QCoreApplication.translate("TrainPage", "Time on this computer ({device}): {duration}.").format(**values)]
    else:
        lines = [QCoreApplication.translate(
            "TrainPage",
            "Time on this computer ({device}): {duration} in all; a usable model (the new head) after {first}.",
        ).format(**values)]
    if estimate.alternatives:
        each = [QCoreApplication.translate("TrainPage", "{level}: {duration}").format(
            level=e.name, duration=duration_text(e.total_s)) for e in estimate.alternatives]
        lines.append(QCoreApplication.translate("TrainPage", "Instead: {alternatives}.").format(
            alternatives=QCoreApplication.translate("TrainPage", "; ").join(each)))
    if plan is not None and plan.recommendation is not None:
        weighed = weigh_time(plan.recommendation, chosen.first_model_s, estimate.dial_totals())
        names = {e.level: e.name for e in estimate.levels if not e.hand_set}
        if plan.level_is_recommended:
            which = QCoreApplication.translate("TrainPage", "this level")
        else:
            which = names.get(weighed.level) or QCoreApplication.translate("TrainPage", "level {level}").format(
                level=weighed.level)
        lines.append(QCoreApplication.translate("TrainPage", "Recommended ({which}): {reason}").format(
            which=which, reason=weighed.reason))
    return "\n".join(lines)


def first_model_text(early: FirstModelEstimate) -> str:
    """What an estimate says while the network's training passes are still being measured."""
    return QCoreApplication.translate(
        "TrainPage",
        "Time on this computer ({device}): a usable model (the new head) after {first}; measuring how "
        "long training more layers takes…",
    ).format(device=_device_kind(early.device), first=duration_text(early.first_model_s))


def _device_kind(device: str) -> str:
    """"CPU", "CUDA" or "MPS" of an estimate's ``device`` ("cpu: AMD EPYC")."""
    return device.split(":", 1)[0].upper()


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
        self.slot.abandoned.connect(self._on_abandoned)
        self.slot.done.connect(self._on_done)
        self._writing_config = False

        self.form = TrainSettingsForm()
        self.form.changed.connect(self._on_form_changed)
        self.plan_label = make_plain(QLabel())  # an unknown backbone id from a project file, as it is
        self.plan_label.setWordWrap(True)
        self.start_button = QPushButton(self.tr("Start training"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.progress = ProgressPanel(self.tr("Stop"))
        self.progress.cancelRequested.connect(self.stop)
        self.estimate_label = make_plain(QLabel())
        self.estimate_label.setWordWrap(True)
        self.estimate_slot = TaskSlot(self)
        self.estimate_slot.failed.connect(self._on_estimate_failed)
        self.estimate_slot.reported.connect(self._on_estimate_reported)
        self.estimate_slot.done.connect(self._on_estimate_done)
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self._start_estimate)
        self._estimate_again = False
        self._plan: FreezePlan | None = None
        self._fine_tunes = False  # the run going on trains more than the head
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
        controller.projectReplaced.connect(lambda: self._show_message(""))  # it spoke of the old project
        self._on_config_changed()
        self._on_classifier_changed()

    def _build_layout(self) -> None:
        settings = QGroupBox(self.tr("Settings"))
        settings_layout = QVBoxLayout(settings)
        settings_layout.addWidget(self.form)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(settings)
        left_layout.addWidget(self.plan_label)
        left_layout.addWidget(self.estimate_label)
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
        self._fine_tunes = planned_regime(dataset, run_config, controller.network) is not Regime.HEAD
        # The estimate would measure this computer while it trains: stopped, and made again after.
        self._estimate_timer.stop()
        self._estimate_again = False
        if self.estimate_slot.busy:
            self.estimate_slot.cancel()
            self.estimate_label.setText("")  # not "Estimating…" for the whole run: it no longer is

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
        self.progress.start(self.tr("Preparing…"))
        self.controller.start_run()
        self.busyChanged.emit(True)
        self.slot.start(job, self._on_finished)

    def stop(self) -> None:
        """Ask the run to stop between batches; the best epoch so far is kept."""
        self.slot.cancel()

    def shutdown(self) -> None:
        """Stop a run (window closing, another project opening): the best epoch so far is kept if it
        stops in time; if not, what it has made so far (``_on_abandoned``). Either way the page is
        idle after it, ready for another run.

        The wait (a batch can take seconds on a CPU) blocks the window: before it, the window is
        repainted saying what it waits for, with a busy cursor, rather than freezing unexplained."""
        if self.slot.busy:
            text = self.tr("Stopping the training run…")
            self.progress.show_fraction(None, text)
            self.controller.show_status(text)
            self.window().repaint()
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.slot.shutdown()
            finally:
                QApplication.restoreOverrideCursor()
        # After the run: its end asks for a new estimate, which would measure a closing window.
        self._estimate_timer.stop()
        self._estimate_again = False
        # Nobody's work, so not waited for: abandoned, it ends at its next check of Stop (within a
        # stage of the network being measured) while the window closes or the next project opens.
        self.estimate_slot.shutdown(0)

    def _on_progress(self, event: ProgressEvent) -> None:
        self.progress.follow(event)

    def _on_reported(self, kind: str, payload: object) -> None:
        if kind == "epoch" and isinstance(payload, EpochStats):
            self.controller.add_run_epoch(payload)
            self.curves.add_epoch(payload)
            values = {"epoch": payload.epoch, "epochs": payload.epochs, "accuracy": f"{payload.val_accuracy:.1%}"}
            if self._fine_tunes:
                values["phase"] = phase_title(payload.phase)
                text = (self.tr("Epoch {epoch}/{epochs} ({phase}): validation accuracy {accuracy} — best so far.")
                        if payload.best else self.tr("Epoch {epoch}/{epochs} ({phase}): validation accuracy {accuracy}."))
            else:
                text = (self.tr("Epoch {epoch}/{epochs}: validation accuracy {accuracy} — best so far.")
                        if payload.best else self.tr("Epoch {epoch}/{epochs}: validation accuracy {accuracy}."))
            self._show_message(text.format(**values))
        elif kind == "head" and isinstance(payload, TrainResult):
            # The head's model, usable now: Classify and Export work while the fine-tune goes on,
            # and a save keeps it. (A run of one phase has no such moment: its result follows.)
            in_use = self.controller.offer_early_model(payload)
            accuracy = payload.classifier.metrics.accuracy
            if accuracy is None:
                ready = self.tr("A usable model is ready (the new head).")
            else:
                ready = self.tr("A usable model is ready (the new head, validation accuracy {accuracy}).").format(
                    accuracy=f"{accuracy:.1%}")
            usable = (self.tr("Classify and Export work with it now.") if in_use
                      else self.tr("The run in use stays in use until this run ends."))
            text = run_on(ready, usable, self.tr("Fine-tuning continues; Stop keeps the best model so far."))
            self._show_message(text)
            self.controller.show_status(text)
        elif kind == "best" and isinstance(payload, BestSoFar):
            self.controller.offer_best_so_far(payload)

    def _on_finished(self, result: TrainResult) -> None:
        self.curves.set_history(result.history)
        added = self.controller.set_training_result(result)
        text = run_on(
            stopped_message(result) if result.cancelled else finished_message(result),
            added.sentences(),  # which run is in use, when there was a choice; what was let go
            self.tr("%n photo(s) could not be read and were left out.", "", len(result.skipped)) if result.skipped else "",
            *result.warnings,
        )
        self._show_message(text)
        self.controller.show_status(text)

    def _on_failed(self, message: str, _details: str) -> None:
        # A fine-tune that failed after its head was trained: the head's model (in use meanwhile) stays.
        added = self.controller.keep_run_so_far()
        if added is not None:
            message = run_on(message, self.tr(
                "What the run had made is kept as {run}, marked interrupted, with its best model so far "
                "(epoch {epoch}, accuracy {accuracy})."
            ).format(**_kept_values(added.run)), added.sentences())
        self._show_message(message, error=True)
        self.controller.report_error(message)

    def _on_cancelled(self) -> None:
        self.controller.keep_run_so_far()  # nothing to keep (no epoch finished): the run is no longer followed
        text = self.tr("Stopped before the first epoch finished: there is no model to keep.")
        self._show_message(text)
        self.controller.show_status(text)

    def _on_abandoned(self) -> None:
        added = self.controller.keep_run_so_far()
        left = self.tr("The run did not stop in time: it was left to end in the background, and its result "
                       "will not arrive.")
        if added is None:
            text = run_on(left, self.tr("It had no usable model yet, so nothing of it was kept."))
        else:
            run = added.run
            self.curves.set_history(run.history)
            kept = self.tr("This project keeps it as far as it had come: {run}, marked interrupted, with its "
                           "best model so far (epoch {epoch}, accuracy {accuracy}).").format(**_kept_values(run))
            text = run_on(left, kept, added.sentences())
        self._show_message(text)
        self.controller.show_status(text)

    def _on_done(self) -> None:
        # Back into the collector's view, so that cycles dropped since the start are freed after all.
        gc.unfreeze()
        self.progress.finish()
        self.start_button.setEnabled(True)
        self.busyChanged.emit(False)
        self._request_estimate()  # the cache holds what the run computed: the next run is shorter

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
        self._plan = plan
        regime = plan.regime if plan is not None else planned_regime(dataset, controller.config, None)
        self.form.set_regime(regime)
        counts = dataset.class_counts()
        photos = sum(counts.values())
        try:
            title = get_spec(controller.backbone_id).title
        except TlguiError:
            title = controller.backbone_id
        if plan is not None:
            what = plan.level_name + (self.tr(" (with hand-set layers)") if plan.overrides else "")
        elif controller.config.freeze_level is None:
            what = self.tr("the recommended layers")
        elif controller.config.freeze_level == 0:
            what = self.tr("Head only")
        else:
            # The network loads with the Model tab; until then the level is all there is to say.
            what = self.tr("Head + last %n stage(s)", "", controller.config.freeze_level)
        photos_text = self.tr("{photos} in {classes}").format(
            photos=counted(photos, "photo"), classes=counted(len(counts), "class", "classes"))
        note = f"\n{ignored_note(plan.ignored)}" if plan is not None and plan.ignored else ""
        uneven = uneven_classes_warning(counts)
        if uneven is not None:
            note += f"\n{uneven}"
        self.plan_label.setText(
            self.tr("{title}\nTrains: {what}\nData: {photos}").format(title=title, what=what, photos=photos_text) + note
        )
        self._request_estimate()

    # -- how long it takes --------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._request_estimate()

    def _request_estimate(self) -> None:
        """Estimate again once the settings settle (only while the page is seen: it may measure)."""
        if self.isVisible() and not self.slot.busy:
            self._estimate_timer.start()

    def _start_estimate(self) -> None:
        controller = self.controller
        if self.slot.busy:
            return
        if self.estimate_slot.busy:
            # Settings changed while it ran: stop it, and start afresh when it has stopped.
            self._estimate_again = True
            self.estimate_slot.cancel()
            return
        net = controller.network
        if net is None:
            note = missing_weights(controller.backbone_id)
            # The window loads the project's backbone in the background a few seconds after it opens
            # (app.warm_up), the Model page any other: "(Model tab)" sent the user to do what was being done.
            self.estimate_label.setText(note or self.tr(
                "The time estimate comes once the network has loaded (it loads in the background)."))
            return
        # Photos that cannot train are refused by the estimate with training's own sentence (one class,
        # a class without photos or with one): said here too, where the estimate goes.
        dataset = controller.dataset.copy()
        config = replace(self.form.config(controller.config), use_cache=self.form.cache_in_effect())
        plan = self._plan

        def job(token, report):
            from tlgui.core.plan.estimate import estimate_plan  # torch: the window may not have it yet

            # Measuring a network takes a while on a slow CPU (about 25 s for EfficientNet-Lite0 on
            # 2 cores): when the first model comes is said as soon as it is known.
            return estimate_plan(dataset, config, net, cancel=token,
                                 on_first_model=lambda early: report("first model", early))

        self.estimate_label.setText(self.tr("Estimating how long training takes on this computer…"))
        self.estimate_slot.start(job, lambda estimate: self._show_estimate(estimate, plan))

    def _on_estimate_reported(self, kind: str, early: object) -> None:
        if kind == "first model" and not self._estimate_again:
            self.estimate_label.setText(first_model_text(early))

    def _show_estimate(self, estimate: PlanEstimate, plan: FreezePlan | None) -> None:
        if not self._estimate_again:
            self.estimate_label.setText(estimate_text(estimate, plan))

    def _on_estimate_failed(self, message: str, _details: str) -> None:
        if not self._estimate_again:
            self.estimate_label.setText(self.tr("No time estimate: {reason}").format(reason=message))

    def _on_estimate_done(self) -> None:
        if self._estimate_again:
            self._estimate_again = False
            self._start_estimate()

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
