"""6. The GUI's longest event-loop stall while training runs (offscreen Qt).

A QTimer on the GUI thread fires every 5 ms and records the gap between ticks; the stall is the
longest gap minus those 5 ms, over the time the job runs. When the real window exists
(``MainWindow`` + ``ProjectController``) the real Train page is driven, shown on its tab, with its
live curves and progress panel; otherwise a bare ``TaskSlot`` runs the same training.

Two runs: head only on a warm feature cache (the default path, training seconds), then a partial
run (last stage trainable, cached, cold: the extraction phase with its decode threads is included).
For each stall the phase the worker had last reported is noted, to point at the culprit.
"""

from __future__ import annotations

import os
import time

from benchmarks.common import Context, Row, median, require_window_toolkit

NAME = "gui"
TARGET_MS = 50.0
TICK_MS = 5


class StallMeter:
    """Records the gaps between ticks of a precise 5 ms timer, each with the phases it spanned."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self._phase = "start"
        self._spanned: list[str] = [self._phase]  # phases seen since the last tick
        self.gaps: list[tuple[float, str]] = []
        self._last: float | None = None

    @property
    def phase(self) -> str:
        return self._phase

    @phase.setter
    def phase(self, name: str) -> None:
        if name != self._phase:
            self._phase = name
            if self._spanned[-1] != name:
                self._spanned.append(name)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append((now - self._last, " → ".join(self._spanned)))
        self._spanned = [self._phase]
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = None
        self._spanned = [self._phase]
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def worst(self) -> tuple[float, str]:
        gap, phase = max(self.gaps, default=(0.0, "none"))
        return max(0.0, gap * 1000 - TICK_MS), phase

    def summary(self) -> str:
        ms = sorted(g * 1000 - TICK_MS for g, _ in self.gaps)
        if not ms:
            return "no ticks"
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        over = sum(1 for m in ms if m > TARGET_MS)
        by_phase: dict[str, float] = {}
        for g, phase in self.gaps:
            by_phase[phase] = max(by_phase.get(phase, 0.0), g * 1000 - TICK_MS)
        worst = ", ".join(f"{k} {v:.0f}" for k, v in sorted(by_phase.items(), key=lambda kv: -kv[1]))
        return (f"{len(ms)} ticks, median {median(ms):.1f} ms, p99 {p99:.1f} ms, {over} over {TARGET_MS:g} ms; "
                f"worst per phase (ms): {worst}")


def _application(ctx: Context):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    folder = ctx.workdir / "qsettings"
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    from tlgui.gui.main_thread_gc import collect_on_gui_thread

    app = QApplication.instance() or QApplication(["tlgui-benchmarks"])
    collect_on_gui_thread(app)  # as the window's own application does: its collections count here too
    return app


def _run_until(signal, condition, timeout_s: float) -> None:
    """Run a Qt event loop (as the app's own does: no Python between events) until ``condition()``
    holds after ``signal`` fires, or the timeout passes."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()

    def check(*_args) -> None:
        if condition():
            loop.quit()

    signal.connect(check)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(int(timeout_s * 1000))
    if not condition():
        loop.exec()
    timer.stop()
    signal.disconnect(check)
    if not condition():
        raise TimeoutError("the training job did not finish in time")


def _run_for(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class WindowDriver:
    """The real main window, Train tab showing; training started with its Start button's slot."""

    kind = "MainWindow Train page"

    def __init__(self, ctx: Context, app):
        from tlgui.gui.controller import ProjectController
        from tlgui.gui.main_window import MainWindow

        self.app = app
        self.controller = ProjectController()
        self.window = MainWindow(self.controller)
        self.page = self.window.train_page
        self.window.tabs.setCurrentWidget(self.page)
        self.controller.set_dataset(ctx.hymenoptera_dataset())
        # As after a visit to the Model page: the network is built (the page copies it per run).
        self.controller.set_network(ctx.backbone())
        self.window.show()
        app.processEvents()

    def run(self, config, meter: StallMeter, timeout_s: float) -> dict:
        from PySide6.QtCore import QTimer

        from tlgui.core.plan.freezing import set_freeze_level

        # What the Model page's freeze dial does; the Train page offers the cache only when the
        # network's freeze state leaves a frozen part to cache.
        set_freeze_level(self.controller.network, config.freeze_level)
        self.controller.notify_network_changed()
        self.controller.set_config(config)
        self.app.processEvents()
        if self.page.form.cache_in_effect() != config.use_cache:
            raise RuntimeError("the Train page does not offer the cache for this freeze level")
        self.controller.last_result = None
        meter.phase = "idle"
        meter.start()
        started = []

        def press_start():
            # As the Start button's click does: on the GUI thread, inside the event loop, so the
            # page's own work before the worker starts counts too.
            meter.phase = "TrainPage.start (GUI thread)"
            self.page.start()
            meter.phase = "worker set-up"
            started.append(True)
            slot = self.page.slot
            slot.progress.connect(lambda e: setattr(meter, "phase", e.phase))
            slot.reported.connect(lambda kind, _p: setattr(meter, "phase", f"after {kind}"))

        QTimer.singleShot(50, press_start)
        _run_until(self.page.busyChanged, lambda: bool(started) and not self.page.busy, timeout_s)
        meter.stop()
        result = self.controller.last_result
        return {"epochs": len(result.history) if result else 0,
                "accuracy": result.report.accuracy if result else None,
                "error": None if result else self.page.message.text()}

    def close(self) -> None:
        self.window.shutdown()
        self.window.hide()
        self.window.deleteLater()


class TaskDriver:
    """A bare TaskSlot running ``train`` (when the window is not there)."""

    kind = "TaskSlot"

    def __init__(self, ctx: Context, app):
        self.app = app
        self.ctx = ctx

    def run(self, config, meter: StallMeter, timeout_s: float) -> dict:
        from PySide6.QtCore import QTimer

        from tlgui.core.training.trainer import TrainingCallback, train
        from tlgui.gui.tasks import TaskSlot

        dataset, backbone = self.ctx.hymenoptera_dataset(), self.ctx.backbone()

        class Report(TrainingCallback):
            def __init__(self, report):
                self.report = report

            def on_progress(self, event):
                self.report("progress", event)

            def on_epoch_end(self, stats):
                self.report("epoch", stats)

        slot = TaskSlot()
        outcome = {}
        slot.progress.connect(lambda e: setattr(meter, "phase", e.phase))
        slot.reported.connect(lambda kind, _p: setattr(meter, "phase", f"after {kind}"))
        slot.failed.connect(lambda m, _d: outcome.update(error=m))

        def job(token, report):
            return train(dataset, config, backbone=backbone, callbacks=[Report(report)], cancel=token)

        def on_finished(result):
            outcome.update(epochs=len(result.history), accuracy=result.report.accuracy)

        meter.phase = "worker set-up"
        meter.start()
        started = []
        QTimer.singleShot(50, lambda: (slot.start(job, on_finished), started.append(True)))
        _run_until(slot.done, lambda: bool(started) and not slot.busy, timeout_s)
        meter.stop()
        return outcome

    def close(self) -> None:
        pass


def run(ctx: Context) -> list[Row]:
    require_window_toolkit()  # before the model the measurement trains
    from tlgui.core.training.trainer import TrainConfig

    # The Train page trains with the default feature cache: point it at the benchmark's (warm) one.
    warm_dir = ctx.head_cache_dir()
    old_cache_dir = os.environ.get("TLGUI_CACHE_DIR")
    os.environ["TLGUI_CACHE_DIR"] = str(warm_dir)
    app = _application(ctx)
    head = ("head only, warm cache", TrainConfig(freeze_level=0, epochs=3 if ctx.quick else 30, device=ctx.device))
    partial = ("partial (last stage), cold cache", TrainConfig(
        freeze_level=1, epochs=2 if ctx.quick else 3, use_cache=True, cached_views=0,
        early_stopping_patience=None, device=ctx.device))
    plan = []
    try:
        window = WindowDriver(ctx, app)
        plan += [(window, head), (window, partial)]
        # The same head-only job on a bare TaskSlot: what the worker alone costs the GUI
        # thread (GIL), without the page's own work (copies, curves, painting).
        plan.append((TaskDriver(ctx, app), head))
    except ImportError as exc:
        ctx.log(f"  (no main window: {exc}; driving a TaskSlot)")
        window = None
        task = TaskDriver(ctx, app)
        plan += [(task, head), (task, partial)]

    # Idle baseline: the timer's own jitter on this machine, with nothing running.
    meter = StallMeter()
    meter.start()
    _run_for(500)
    meter.stop()
    idle_ms, _ = meter.worst()

    rows = []
    try:
        for driver, (title, config) in plan:
            meter = StallMeter()
            t0 = time.perf_counter()
            outcome = driver.run(config, meter, timeout_s=300)
            seconds = time.perf_counter() - t0
            if outcome.get("error"):
                raise RuntimeError(f"training in the GUI failed: {outcome['error']}")
            stall, phase = meter.worst()
            where = "" if driver is window or window is None else " (bare TaskSlot)"
            rows.append(Row(
                f"GUI max stall while training: {title}{where}", stall, "ms", target=f"< {TARGET_MS:g} ms",
                met=stall < TARGET_MS,
                note=f"{driver.kind}; worst during '{phase}'; run {seconds:.1f} s, {outcome.get('epochs')} epochs; "
                     f"{meter.summary()}; idle baseline max {idle_ms:.1f} ms",
            ))
    finally:
        if window is not None:
            window.close()
        app.processEvents()
        if old_cache_dir is None:
            os.environ.pop("TLGUI_CACHE_DIR", None)
        else:
            os.environ["TLGUI_CACHE_DIR"] = old_cache_dir
    return rows
