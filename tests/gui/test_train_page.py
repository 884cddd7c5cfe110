"""The Train page trains for real (bundled EfficientNet-Lite0, cached head-only path) in seconds."""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import replace

import pytest
from pages_support import isolate_caches, write_learnable_classes
from PySide6.QtCore import Qt, QTimer

from tlgui.core.data.bins import scan
from tlgui.core.plan import estimate as estimate_module
from tlgui.core.plan.freezing import max_freeze_level
from tlgui.core.plan.regime import Regime
from tlgui.core.predict.predictor import Predictor
from tlgui.core.training.trainer import EpochStats
from tlgui.gui.controller import ProjectController
from tlgui.gui.pages.model.model_page import ModelPage
from tlgui.gui.pages.train import train_page as train_page_module
from tlgui.gui.pages.train.train_page import TrainPage
from tlgui.gui.widgets.curves import MAX_SYMBOLS, REDRAW_INTERVAL_MS, TrainingCurves, nice_ceiling


@pytest.fixture
def photos(tmp_path, monkeypatch):
    isolate_caches(monkeypatch, tmp_path)
    return write_learnable_classes(tmp_path / "photos", {"red": 10, "blue": 10})


@pytest.fixture
def controller(photos, tmp_path):
    ctl = ProjectController()
    ctl.set_dataset(scan([tmp_path / "photos"]))
    return ctl


@pytest.fixture
def pages(qtbot, controller):
    """The Model and Train pages on one project, the network loaded, level chosen in the tree."""
    model_page = ModelPage(controller)
    train_page = TrainPage(controller)
    for widget in (model_page, train_page):
        qtbot.addWidget(widget)
        widget.resize(1280, 800)
    with qtbot.waitSignal(model_page.networkLoaded, timeout=60000):
        model_page.show()
    qtbot.waitUntil(lambda: not model_page.busy, timeout=10000)
    # Choose "head only" explicitly, as a user would on the dial.
    model_page.freeze.slider.setValue(1)
    model_page.freeze.slider.setValue(0)
    assert controller.config.freeze_level == 0
    train_page.show()
    yield model_page, train_page
    train_page.shutdown()
    model_page.shutdown()


def test_training_runs_with_live_curves_and_sets_the_classifier(qtbot, pages):
    _model_page, page = pages
    controller = page.controller
    page.form.epochs.setValue(3)
    assert controller.config.epochs == 3  # the form writes through to the project
    assert page.form.use_cache.isEnabled()

    phases: list[str] = []
    page.progress.bar.valueChanged.connect(lambda _v: phases.append(page.progress.text()))
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(50)

    with qtbot.waitSignal(controller.classifierChanged, timeout=120000):
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        assert page.busy and not page.start_button.isEnabled()
    timer.stop()
    qtbot.waitUntil(lambda: not page.busy, timeout=10000)

    assert controller.classifier is not None and controller.last_result is not None
    assert not controller.last_result.cancelled
    assert len(page.curves.points()["val_accuracy"]) == 3
    assert len(page.curves.points()["train_loss"]) == 3
    assert page.message.text().startswith("Finished — validation accuracy")
    assert any(text.startswith("Extracting features") for text in phases)
    assert any(text.startswith("Training epoch") for text in phases)
    assert not page.progress.isVisible() and page.start_button.isEnabled()
    # The window stayed responsive: the GUI thread's timer kept ticking during the run.
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert ticks and max(gaps, default=0) < 2.0


def test_stop_keeps_the_best_model_so_far_and_it_classifies(qtbot, pages, photos):
    _model_page, page = pages
    controller = page.controller
    # Many epochs and no early stopping, so the run is surely still going when Stop is pressed.
    controller.set_config(replace(controller.config, epochs=1000, early_stopping_patience=None))
    assert page.form.epochs.value() == 1000
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    # Stop once an epoch is good (a 1000-epoch schedule warms the learning rate up slowly).
    qtbot.waitUntil(lambda: any(s.val_accuracy == 1.0 for s in page.curves.history), timeout=120000)
    with qtbot.waitSignal(controller.classifierChanged, timeout=60000):
        qtbot.mouseClick(page.progress.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.busy, timeout=10000)

    result = controller.last_result
    assert result.cancelled
    assert len(result.history) < 1000
    best = next(s for s in result.history if s.epoch == result.best_epoch)
    assert page.message.text() == (
        f"Stopped — kept the best model so far (epoch {result.best_epoch}, accuracy {best.val_accuracy:.1%})."
    )
    predictions = Predictor(controller.classifier, "cpu").predict_paths([photos["red"][0], photos["blue"][0]])
    assert [p.label for p in predictions] == ["red", "blue"]


def test_options_follow_the_freeze_level_and_the_data(qtbot, pages, tmp_path):
    model_page, page = pages
    form = page.form
    net = page.controller.network
    # Everything trains: the cache still serves the first phase (the new head), and says so.
    model_page.freeze.slider.setValue(max_freeze_level(net))
    assert form.use_cache.isEnabled() and form.cache_note.isVisibleTo(page)
    assert "only the first phase" in form.cache_note.text()
    assert form.cached_views.isEnabled() == form.augment.isChecked()
    form.augment.setChecked(True)
    form.cached_views.setValue(0)
    assert "augments its photos every epoch" in form.augment_note.text()
    # The last stages on cached activations: the fine-tune caches augmented variants of its own.
    model_page.freeze.slider.setValue(1)
    assert form.augment_note.isVisibleTo(page) and "augmented variants of each photo too" in form.augment_note.text()
    # Head only on cached features: with no variants, augmentation does nothing, and the form says so.
    model_page.freeze.slider.setValue(0)
    assert not form.cache_note.isVisibleTo(page)
    assert form.augment_note.isVisibleTo(page) and "does not apply" in form.augment_note.text()
    form.cached_views.setValue(2)
    assert not form.augment_note.isVisibleTo(page) and page.controller.config.cached_views == 2
    form.augment.setChecked(False)
    assert not form.cached_views.isEnabled() and page.controller.config.augment is False
    assert not form.augment_note.isVisibleTo(page)

    # Photos that come in train/ and val/ folders keep their split: the share does not apply.
    split_root = tmp_path / "split"
    write_learnable_classes(split_root / "train", {"red": 3, "blue": 3})
    write_learnable_classes(split_root / "val", {"red": 2, "blue": 2}, seed=1)
    page.controller.set_dataset(scan([split_root]))
    assert page.controller.dataset.has_predefined_split
    assert not page.form.val_fraction.isEnabled()
    assert page.form.val_note.isVisibleTo(page)


def test_an_engine_error_is_shown_on_the_page(qtbot, pages, tmp_path):
    _model_page, page = pages
    one_class = tmp_path / "one"
    write_learnable_classes(one_class, {"red": 4})
    page.controller.set_dataset(scan([one_class]))
    with qtbot.waitSignal(page.controller.errorRaised, timeout=60000) as blocker:
        page.start()
    qtbot.waitUntil(lambda: not page.busy, timeout=10000)
    assert "at least two classes" in blocker.args[0]
    assert "at least two classes" in page.message.text()
    assert page.start_button.isEnabled()


def _fine_tune_that_fails(qtbot, pages, monkeypatch, failing, **settings) -> tuple[object, list[str]]:
    """Train head + last stage with ``settings`` (no early stopping), the window's hooks being those of
    ``failing(the window's callback class)``, which raises to end the run; (controller, errors said)."""
    model_page, page = pages
    controller = page.controller
    model_page.freeze.slider.setValue(1)
    controller.set_config(replace(controller.config, early_stopping_patience=None, **settings))
    real_train = train_page_module.train

    def train_then_fail(*args, callbacks, **kwargs):
        return real_train(*args, callbacks=[failing(type(callbacks[0]))(callbacks[0]._report)], **kwargs)

    monkeypatch.setattr(train_page_module, "train", train_then_fail)
    errors: list[str] = []
    controller.errorRaised.connect(errors.append)
    page.start()
    qtbot.waitUntil(lambda: not page.busy, timeout=120000)
    return controller, errors


def test_a_fine_tune_that_fails_after_its_head_keeps_the_heads_model(qtbot, pages, monkeypatch):
    """An unexpected failure in the fine-tune (a GPU out of memory) ends the run without a result:
    the head's model, in use meanwhile, stays in the project as the run so far; the next Start does
    not drop it."""
    def failing(window_callback):
        class FailInFineTune(window_callback):
            def on_epoch_end(self, stats):
                super().on_epoch_end(stats)
                if stats.phase is not Regime.HEAD:
                    raise RuntimeError("CUDA out of memory")

        return FailInFineTune

    controller, errors = _fine_tune_that_fails(qtbot, pages, monkeypatch, failing, epochs=2)
    assert errors and errors[0].startswith("RuntimeError: CUDA out of memory")
    assert "is kept as Run 1, marked interrupted, with its best model so far (epoch " in errors[0]
    assert [(r.id, r.status, r.has_model, r.epochs_run) for r in controller.runs] == [(1, "interrupted", True, 3)]
    assert controller.classifier is controller.runs.get(1).classifier and pages[1].start_button.isEnabled()


def test_a_fine_tune_that_fails_after_beating_its_head_keeps_the_fine_tunes_model(qtbot, pages, monkeypatch):
    """The same failure once a fine-tune epoch has beaten the head: the run so far keeps that epoch's
    model (the one a Stop would have kept), not the head's."""
    beaten: list[int] = []

    def failing(window_callback):
        class FailAfterABetterModel(window_callback):
            def on_epoch_end(self, stats):
                super().on_epoch_end(stats)
                if beaten:
                    raise RuntimeError("CUDA out of memory")

            def on_best_so_far(self, best):
                super().on_best_so_far(best)
                beaten.append(best.epoch)

        return FailAfterABetterModel

    controller, errors = _fine_tune_that_fails(qtbot, pages, monkeypatch, failing, epochs=3, learning_rate=1e-4)
    assert beaten and errors, "no fine-tune epoch beat the head: these settings no longer show what this test checks"
    (run,) = controller.runs
    assert run.status == "interrupted" and run.best_epoch == beaten[0] > 3 and run.regime is Regime.PARTIAL
    assert f"is kept as Run 1, marked interrupted, with its best model so far (epoch {beaten[0]}, " in errors[0]
    assert run.epochs_run == beaten[0] + 1 and controller.classifier is run.classifier


def test_the_network_is_copied_by_the_run_not_on_the_gui_thread(qtbot, pages, monkeypatch):
    model_page, page = pages
    controller = page.controller
    net = controller.network
    seen = {}

    def spy(dataset, config, *, backbone, **kwargs):
        seen.update(backbone=backbone, thread=threading.current_thread(), frozen=gc.get_freeze_count())
        return train(dataset, config, backbone=backbone, **kwargs)

    train = train_page_module.train
    monkeypatch.setattr(train_page_module, "train", spy)
    page.form.epochs.setValue(2)
    with qtbot.waitSignal(controller.classifierChanged, timeout=120000):
        page.start()
        # The Model page stays editable: this change is for the next run, not the one starting.
        model_page.freeze.slider.setValue(max_freeze_level(net))
    qtbot.waitUntil(lambda: not page.busy, timeout=10000)

    assert seen["backbone"] is net and seen["thread"] is not threading.main_thread()
    assert controller.last_result.regime == "head"  # the freeze level of the run's settings
    assert controller.network is net and all(p.requires_grad for p in net.parameters())  # not trained in place
    # Old objects stay out of garbage collections while the run goes, and come back after it.
    assert seen["frozen"] > 0 and gc.get_freeze_count() == 0


def test_curves_redraw_at_most_a_few_times_a_second(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.show()
    curves.set_planned_epochs(50)
    curves.flush()
    assert curves.loss_plot.getViewBox().viewRange()[0] == pytest.approx([0.5, 50.5])
    drawn = []
    curves.train_line.sigPlotChanged.connect(lambda *_: drawn.append(len(curves.history)))
    for epoch in range(1, 21):  # a burst, as a head-only run on a warm cache sends
        curves.add_epoch(EpochStats(epoch, 50, 1.0 / epoch, 0.8 / epoch, 0.5, 1.0, 1e-3, best=epoch == 3))
    assert drawn == [] and curves.pending
    qtbot.waitUntil(lambda: not curves.pending, timeout=REDRAW_INTERVAL_MS * 10)
    assert drawn == [20]  # one redraw for the whole burst
    view = curves.loss_plot.getViewBox()
    # Fixed ranges, never auto: the planned run, and 0 up to a round number above the losses.
    assert view.viewRange()[0] == pytest.approx([0.5, 50.5])
    assert not any(view.autoRangeEnabled()) and not any(curves.acc_plot.getViewBox().autoRangeEnabled())
    assert view.viewRange()[1][0] < 0 < 1.0 < view.viewRange()[1][1] < 1.1
    assert list(curves.best_marker.getData()[0]) == [3]
    curves.add_epoch(EpochStats(21, 50, 2.2, 2.1, 0.5, 1.0, 1e-3))  # a spike: the loss axis grows
    assert curves.points()["train_loss"][-1] == pytest.approx(2.2)
    assert view.viewRange()[1][1] == pytest.approx(2.5 * 1.03)
    assert curves.train_line.opts["symbol"] == "o"
    for epoch in range(22, 22 + MAX_SYMBOLS):
        curves.add_epoch(EpochStats(epoch, 50, 0.5, 0.5, 0.5, 1.0, 1e-3))
    curves.flush()
    assert curves.train_line.opts["symbol"] is None  # too many points to mark each one
    assert curves.loss_plot.getViewBox().viewRange()[0][1] == pytest.approx(21 + MAX_SYMBOLS + 0.5)


def test_nice_ceiling():
    assert [nice_ceiling(v) for v in (0.75, 1.0, 1.01, 2.2, 0.031, 7.0, 9.5)] == pytest.approx(
        [0.8, 1.0, 1.2, 2.5, 0.04, 8.0, 10.0])
    assert nice_ceiling(float("nan")) == nice_ceiling(0.0) == 1.0


def test_curves_plot_each_epoch(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    for epoch, (loss, acc) in enumerate([(0.9, 0.5), (0.6, 0.8), (0.5, 0.75)], start=1):
        curves.add_epoch(EpochStats(epoch, 10, loss + 0.1, loss, acc, 1.0, 1e-3, best=epoch == 2))
    points = curves.points()
    assert points["val_loss"] == pytest.approx([0.9, 0.6, 0.5])
    assert points["val_accuracy"] == pytest.approx([50.0, 80.0, 75.0])
    assert list(curves.best_marker.getData()[0]) == [2]
    curves.clear()
    assert curves.points()["train_loss"] == []


def test_a_fine_tune_hands_out_the_head_first_and_the_curves_mark_the_phases(qtbot, pages, photos):
    model_page, page = pages
    controller = page.controller
    model_page.freeze.slider.setValue(1)  # the head and the last stage
    controller.set_config(replace(controller.config, epochs=2, early_stopping_patience=None))
    models = []
    controller.classifierChanged.connect(lambda: models.append((page.busy, controller.classifier)))
    with qtbot.waitSignal(controller.classifierChanged, timeout=120000):
        page.start()
    # The head's model, while the run goes on: the window can classify with it already.
    busy, head_model = models[0]
    assert busy and head_model.training.regime is Regime.HEAD
    assert page.message.text().startswith("A usable model is ready (the new head, validation accuracy")
    predictions = Predictor(head_model, "cpu").predict_paths([photos["red"][0]])
    assert predictions[0].error is None
    qtbot.waitUntil(lambda: not page.busy, timeout=120000)

    result = controller.last_result
    assert controller.classifier is result.classifier and result.regime is Regime.PARTIAL
    assert [s.phase for s in result.history] == [Regime.HEAD] * 2 + [Regime.PARTIAL] * 2
    assert page.curves.phase_boundaries() == [2.5]
    assert "best epoch" in page.message.text() and "a usable model after" in page.message.text()


def test_a_fine_tune_stopped_in_its_head_phase_is_counted_alike_on_train_and_results(qtbot, pages, monkeypatch):
    """One count of a run's epochs, across its phases: the progress bar, the epoch's message and the
    Results page's Epochs column say "2 of 6" of a fine-tune (3 epochs a phase) stopped after its
    head's second epoch; they said "2/3", "2/6" and "2 of 3"."""
    from tlgui.gui.pages.results.runs_table import epochs_text

    model_page, page = pages
    controller = page.controller
    model_page.freeze.slider.setValue(1)  # the head and the last stage
    controller.set_config(replace(controller.config, epochs=3, early_stopping_patience=None))
    release, held = threading.Event(), threading.Event()
    original = train_page_module.ReportingCallback.on_epoch_end

    def on_epoch_end(self, stats):
        original(self, stats)
        if stats.epoch == 2:
            held.set()
            release.wait(60)

    monkeypatch.setattr(train_page_module.ReportingCallback, "on_epoch_end", on_epoch_end)
    shown: list[str] = []
    page.progress.bar.valueChanged.connect(lambda _v: shown.append(page.progress.text()))
    page.start()
    try:
        qtbot.waitUntil(lambda: held.is_set() and len(page.curves.history) == 2, timeout=120000)
        assert page.message.text().startswith("Epoch 2/6 (the new head): validation accuracy")
        page.stop()
    finally:
        release.set()
    qtbot.waitUntil(lambda: not page.busy, timeout=60000)

    training = [text for text in shown if text.startswith("Training epoch")]
    assert training and all(text.startswith(("Training epoch 1/6: the new head", "Training epoch 2/6: the new head"))
                            for text in training)
    run = controller.runs.newest
    assert run.stopped and run.regime is Regime.HEAD and epochs_text(run) == "2 of 6"


def test_the_page_says_how_long_each_level_takes_before_start(qtbot, pages, monkeypatch, tmp_path):
    model_page, page = pages
    net = page.controller.network
    # A stored speed for this network (as an earlier measurement leaves it): the page only counts
    # the photos, decodes a few and reads the cache, and says the time of every level.
    speeds = estimate_module.NetworkSpeed(
        tuple(net.stage_names), tuple(0.01 for _ in net.stage_names), tuple(0.03 for _ in net.stage_names),
        step_s=0.001, setup_s=0.05,
    )
    store = estimate_module.SpeedStore(tmp_path / "speeds.json")
    seen = []

    def stored_speed(net, settings, batch_size, input_size, store_given, *, cancel=None, on_inference=None):
        seen.append(batch_size)
        return speeds, False

    monkeypatch.setattr(estimate_module, "network_speed", stored_speed)
    unstored_estimate = estimate_module.estimate_plan  # the page imports it when it estimates
    monkeypatch.setattr(estimate_module, "estimate_plan",
                        lambda *args, **kwargs: unstored_estimate(*args, store=store, **kwargs))
    model_page.freeze.slider.setValue(1)
    qtbot.waitUntil(lambda: "a usable model (the new head) after" in page.estimate_label.text(), timeout=60000)
    text = page.estimate_label.text()
    assert text.startswith("Time on this computer (CPU): ")
    assert "a usable model (the new head) after" in text
    assert "Instead: Head only:" in text and "Everything (full fine-tune):" in text
    page.form.batch_size.setValue(16)  # a change of settings estimates again, with them
    qtbot.waitUntil(lambda: seen and seen[-1] == 16 and not page.estimate_slot.busy, timeout=60000)
    # The recommendation (head only, for 16 photos) is weighed by the time of the alternatives.
    assert "Recommended (Head only): With about" in page.estimate_label.text()
    assert "Fine-tuning the last 1 stage too would take" in page.estimate_label.text()


def test_the_first_model_s_time_is_shown_while_the_rest_is_measured(qtbot, pages, monkeypatch):
    _model_page, page = pages
    net = page.controller.network
    speed = estimate_module.NetworkSpeed(
        tuple(net.stage_names), tuple(0.01 for _ in net.stage_names), tuple(0.03 for _ in net.stage_names),
        step_s=0.001, setup_s=0.05,
    )
    release = threading.Event()

    def measuring(*_args, cancel=None, on_inference=None, **_kwargs):
        on_inference(replace(speed, train_s=tuple(0.0 for _ in speed.train_s)))
        while not release.wait(0.01):  # the training passes of a slow computer
            cancel.raise_if_cancelled()
        return speed, True

    monkeypatch.setattr(estimate_module, "network_speed", measuring)
    page.form.batch_size.setValue(16)
    try:
        qtbot.waitUntil(lambda: "measuring how long" in page.estimate_label.text(), timeout=60000)
        text = page.estimate_label.text()
        assert text.startswith("Time on this computer (CPU): a usable model (the new head) after ")
        assert text.endswith("; measuring how long training more layers takes…")
    finally:
        release.set()
    qtbot.waitUntil(lambda: not page.estimate_slot.busy, timeout=60000)
    assert "measuring" not in page.estimate_label.text()
    assert "Instead: " in page.estimate_label.text()


def test_start_while_estimating_stops_the_estimate_and_stops_saying_it_is_estimating(qtbot, pages, monkeypatch):
    _model_page, page = pages
    measuring = threading.Event()

    def measuring_until_stopped(*_args, cancel=None, **_kwargs):
        measuring.set()
        while True:  # a measurement of a slow computer, stopped only by its token
            cancel.raise_if_cancelled()
            time.sleep(0.01)

    monkeypatch.setattr(estimate_module, "network_speed", measuring_until_stopped)
    page.form.batch_size.setValue(16)  # a change of settings estimates again
    qtbot.waitUntil(measuring.is_set, timeout=60000)
    assert page.estimate_label.text() == "Estimating how long training takes on this computer…"
    page.start()
    assert page.estimate_label.text() == ""
    qtbot.waitUntil(lambda: not page.busy, timeout=120000)
    assert page.controller.classifier is not None
    page.shutdown()  # the estimate the run's end asks for would measure until stopped
    assert not page.estimate_slot.busy



def test_closing_does_not_wait_for_an_estimate(qtbot, pages, monkeypatch):
    """The estimate is nobody's work: a window closing (or another project opening) abandons it
    instead of waiting, frozen, for a measuring step that cannot notice Stop at once."""
    from tlgui.gui.tasks import wait_for_abandoned

    _model_page, page = pages
    measuring, release = threading.Event(), threading.Event()

    def one_long_step(*_args, **_kwargs):
        measuring.set()
        release.wait(20)  # a training pass of a slow computer, which no Stop interrupts
        raise RuntimeError("never shown: its page has gone")

    monkeypatch.setattr(estimate_module, "network_speed", one_long_step)
    page.form.batch_size.setValue(16)  # a change of settings estimates again
    qtbot.waitUntil(measuring.is_set, timeout=60000)
    started = time.monotonic()
    page.shutdown()
    waited = time.monotonic() - started
    release.set()
    assert not page.estimate_slot.busy
    assert waited < 1.0
    assert wait_for_abandoned()
    assert "never shown" not in page.estimate_label.text()

def test_curves_draw_a_line_where_the_phase_changes(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    for epoch in range(1, 6):
        phase = Regime.HEAD if epoch <= 3 else Regime.PARTIAL
        curves.add_epoch(EpochStats(epoch, 8, 0.5, 0.5, 0.8, 1.0, 1e-3, phase=phase))
    assert curves.phase_boundaries() == [3.5]
    # The phase's name where the curves seldom are: the top of the loss, the bottom of the accuracy
    # (at the top it sat on the best epoch's star).
    labels = {plot: line.label for plot, line in curves._phase_lines}
    assert labels[curves.loss_plot].orthoPos == 0.95 and labels[curves.acc_plot].orthoPos == 0.05
    curves.set_history([EpochStats(1, 1, 0.5, 0.5, 0.8, 1.0, 1e-3)])  # an old file: no phases known
    assert curves.phase_boundaries() == []


def test_photos_that_cannot_train_say_why_there_is_no_estimate(qtbot, pages, monkeypatch, tmp_path):
    # The estimate's line was left blank whenever a class had fewer than 2 photos, and for one class,
    # where training says why not: it says training's reason.
    _model_page, page = pages
    controller = page.controller
    net = controller.network
    speeds = estimate_module.NetworkSpeed(
        tuple(net.stage_names), tuple(0.01 for _ in net.stage_names), tuple(0.03 for _ in net.stage_names),
        step_s=0.001, setup_s=0.05,
    )
    monkeypatch.setattr(estimate_module, "network_speed", lambda *a, **k: (speeds, False))
    labels = controller.dataset.class_names
    qtbot.waitUntil(lambda: page.estimate_label.text().startswith("Time on this computer"), timeout=60000)
    controller.dataset.remove_items([item.path for item in controller.dataset.items(labels[1])][1:])
    controller.notify_dataset_changed()
    qtbot.waitUntil(lambda: page.estimate_label.text().startswith("No time estimate: "), timeout=60000)
    assert f"A class needs at least 2 photos, one to learn from and one to check it; this one has fewer: " \
           f"{labels[1]} (1)." in page.estimate_label.text()
    controller.dataset.remove_class(labels[1])
    controller.notify_dataset_changed()
    qtbot.waitUntil(lambda: "Training needs at least two classes; found 1" in page.estimate_label.text(), timeout=60000)
    assert page.estimate_label.text().startswith("No time estimate: ")
