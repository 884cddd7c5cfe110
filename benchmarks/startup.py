"""8. Start-up: how long until the window is on screen, and a whole ``tlgui predict`` process.

Window: launch → first paint. ``python -m tlgui`` with ``TLGUI_EXIT_AFTER_FIRST_PAINT=1`` prints the
time at which its main window first paints (tlgui/gui/app.py) and closes; the reference is a bare
PySide6 QMainWindow of the same size doing the same, so the ratio is what tlgui adds to Qt's own
start. Prediction: ``tlgui predict MODEL photo.jpg`` from launch to exit, against ``python -c
"import torch, torchvision"``, the least any process that runs the network pays. Both pairs run
offscreen and interleaved (reference, tlgui, reference, ...); each side's best round is counted,
the least disturbed one on a shared machine. Every process runs with compiled bytecode, as an
installed tlgui does (``PYTHONPYCACHEPREFIX`` in the run's folder, filled by one uncounted launch).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import REPO, Context, Row, Skip

NAME = "startup"
TARGET_RATIO = 1.5

# The same first-paint watch as tlgui.gui.app's, written out so that it imports no tlgui.
_BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

def painted():
    print(f"first-paint {time.time():.6f}", flush=True)
    window.close()

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and watched.window() is window:
            app.removeEventFilter(self)
            QTimer.singleShot(0, painted)  # once the paint is done
        return False

app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1280, 800)
watcher = FirstPaint()
app.installEventFilter(watcher)
window.show()
sys.exit(app.exec())
"""
_IMPORT_TORCH = "import torch, torchvision"


def _launch(args: list[str], env: dict[str, str], timeout: float = 300) -> tuple[float, float | None]:
    """(seconds from launch to exit, seconds from launch to the printed first paint or None)."""
    started = time.time()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}")
    painted = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("first-paint ")]
    return wall, (float(painted[0]) - started if painted else None)


def _rounds(ctx: Context, sides: dict[str, list[str]], env: dict[str, str], pick: int) -> dict[str, list[float]]:
    """Each side's figure (``pick``: 0 process wall, 1 first paint) per interleaved round, after one
    launch of each that is not counted (it compiles the bytecode and fills the file cache)."""
    for args in sides.values():
        _launch(args, env)
    rounds, most, budget = (1, 1, 0.0) if ctx.quick else (3, 8, 60.0)
    times: dict[str, list[float]] = {name: [] for name in sides}
    started = time.perf_counter()
    while (done := len(next(iter(times.values())))) < rounds or (
        done < most and time.perf_counter() - started < budget
    ):
        for name, args in sides.items():
            figure = _launch(args, env)[pick]
            if figure is None:
                raise RuntimeError(f"{name} exited without printing its first paint")
            times[name].append(figure)
    return times


def _row(measurement: str, times: dict[str, list[float]], value: str, reference: str, note: str) -> Row:
    best, ref = min(times[value]), min(times[reference])
    ratio = best / ref
    rounds = "; ".join(f"{name}: " + ", ".join(f"{t:.2f}" for t in times[name]) for name in (value, reference))
    return Row(measurement, best, "s", ref, "s", ratio, f"≤ {TARGET_RATIO:g}x", ratio <= TARGET_RATIO,
               note=f"{note}; best of {len(times[value])} interleaved rounds ({rounds} s)",
               extra={"seconds": times})


def _photo(ctx: Context) -> Path:
    """A bee from hymenoptera when it is there, else a generated photo of the same size."""
    try:
        return ctx.image_subset(2)[1]
    except Skip:
        from PIL import Image

        path = ctx.workdir / "startup-photo.jpg"
        Image.effect_mandelbrot((500, 375), (-2.0, -1.2, 1.0, 1.2), 64).convert("RGB").save(path, quality=90)
        return path


def run(ctx: Context) -> list[Row]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           # The window saves its geometry on closing: never into the user's settings.
           "XDG_CONFIG_HOME": str(ctx.workdir / "startup-config"),
           # As installed: with compiled bytecode (pip compiles it), kept out of the source tree.
           "PYTHONPYCACHEPREFIX": str(ctx.workdir / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    window = _rounds(ctx, {"tlgui": ["-m", "tlgui"], "bare": ["-c", _BARE_WINDOW]},
                     {**env, "TLGUI_EXIT_AFTER_FIRST_PAINT": "1"}, pick=1)

    model, photo = ctx.speed_model_file(), _photo(ctx)
    predict_args = ["-m", "tlgui", "predict", str(model), str(photo), "--device", ctx.device]
    predict = _rounds(ctx, {"tlgui": predict_args, "torch": ["-c", _IMPORT_TORCH]}, env, pick=0)
    return [
        _row("window: launch → first paint (python -m tlgui)", window, "tlgui", "bare",
             "reference: a bare PySide6 QMainWindow, 1280x800, launch → first paint; both offscreen"),
        _row("tlgui predict MODEL photo.jpg: whole process", predict, "tlgui", "torch",
             f"reference: python -c \"{_IMPORT_TORCH}\"; {model.stat().st_size / 2**20:.1f} MiB "
             f"EfficientNet-Lite0 model file, one JPEG, --device {ctx.device}"),
    ]
