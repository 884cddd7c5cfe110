"""8. Start-up: how long until the window is on screen, and a whole ``tlgui predict`` process.

Window: launch → first paint. ``python -m tlgui`` with ``TLGUI_EXIT_AFTER_FIRST_PAINT=1`` prints the
time at which its main window first paints (tlgui/gui/app.py), then the time at which its last page
is built (the pages not shown are built after the first paint), and closes; the reference is a bare
PySide6 QMainWindow of the same size, watched for its first paint the same way, so the ratio is what
tlgui adds to Qt's own start. The second row, launch → all five pages built, over the same
reference, has no target: it shows what the first paint leaves for later. A diagnostic row times
a bare window given words (the Qt namespace, a menu, five titled tabs, a label) over the same
reference: the part of the ratio any window with text pays, before any tlgui module. The third, launch → first
paint with a project given (as a double-clicked ``.tlgui`` is: two runs, each with its model), has
none either: reading the project's models imports torch, which the window leaves for after its first
paint. Prediction: ``tlgui predict MODEL photo.jpg`` from launch to exit, against ``python -c
"import torch, torchvision"``, the least any process that runs the network pays. Both pairs run
offscreen and interleaved (reference, tlgui, reference, ...); each side's best round is counted,
the least disturbed one on a shared machine. Every process runs with compiled bytecode, as an
installed tlgui does (``PYTHONPYCACHEPREFIX`` in the run's folder, filled by one uncounted launch).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import REPO, Context, Row, Skip, require_window_toolkit

NAME = "startup"
TARGET_RATIO = 1.5

# The same first-paint watch as tlgui.gui.app's (a filter on the window), written out so that it
# imports no tlgui.
_BARE_WINDOW = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

def painted():
    print(f"first-paint {time.time():.6f}", flush=True)
    window.close()

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            window.removeEventFilter(self)
            QTimer.singleShot(0, painted)  # once the paint is done
        return False

app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1280, 800)
watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
sys.exit(app.exec())
"""
# The least any window with words in it adds to the bare one: the Qt namespace (whose ~117 enums
# PySide creates as one, the first time any of them is named), a menu, five titled tabs (the first
# text loads the font database) and a label. A diagnostic: what part of tlgui's ratio is left to
# tlgui's own modules, data and pages.
_TEXT_WINDOW = _BARE_WINDOW.replace("window.resize(1280, 800)\n", """window.resize(1280, 800)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget
tabs = QTabWidget()
for number, title in enumerate(("Data", "Model", "Train", "Results", "Classify"), 1):
    tabs.addTab(QLabel("Drop folders of photos here", alignment=Qt.AlignmentFlag.AlignCenter), f"{number} · {title}")
window.setCentralWidget(tabs)
window.menuBar().addMenu("&File")
window.statusBar().showMessage("Ready.")
""")
assert _TEXT_WINDOW != _BARE_WINDOW
_IMPORT_TORCH = "import torch, torchvision"
# The window's warm-up, reduced to what matters to its thread: torch imported on another thread
# (as tlgui.gui.app.warm_up does, with or without loading its libraries off the interpreter lock
# first), while this thread wakes every 2 ms as an idle event loop would; its longest pause is
# how long a click or a repaint would wait.
_TORCH_PAUSE = """
import sys, threading, time
off_the_lock = sys.argv[1] == "off-the-lock"
done = threading.Event()

def load():
    if off_the_lock:
        from tlgui.core.runtime.native_libraries import load_torch_libraries
        load_torch_libraries()
    import torch, torchvision, torch._dynamo  # what the warm-up imports first
    done.set()

threading.Thread(target=load).start()
longest, last = 0.0, time.perf_counter()
while not done.is_set():
    time.sleep(0.002)
    now = time.perf_counter()
    longest, last = max(longest, now - last), now
print(f"pause {longest:.6f}")
"""


#: What a side's round measures: the whole process, or launch → a line it prints ("NAME <time.time()>").
WALL = "exit"
FIRST_PAINT = "first-paint"
ALL_PAGES = "all-pages"


def _launch(args: list[str], env: dict[str, str], timeout: float = 300) -> dict[str, float]:
    """Seconds from launch to exit (``WALL``) and to each time line the process printed, by name."""
    started = time.time()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}")
    figures = {WALL: wall}
    for line in proc.stdout.splitlines():
        name, _, stamp = line.partition(" ")
        if name in (FIRST_PAINT, ALL_PAGES) and name not in figures:
            figures[name] = float(stamp) - started
    return figures


def _rounds(ctx: Context, sides: dict[str, list[str]], env: dict[str, str],
            picks: dict[str, str]) -> dict[str, list[float]]:
    """Figures per interleaved round, after one launch of each side that is not counted (it compiles
    the bytecode and fills the file cache). ``picks``: figure name → (side, what it measures)."""
    for args in sides.values():
        _launch(args, env)
    rounds, most, budget = (1, 1, 0.0) if ctx.quick else (3, 8, 60.0)
    times: dict[str, list[float]] = {figure: [] for figure in picks}
    started = time.perf_counter()
    while (done := len(next(iter(times.values())))) < rounds or (
        done < most and time.perf_counter() - started < budget
    ):
        for side, args in sides.items():
            launched = _launch(args, env)
            for figure, (of, what) in picks.items():
                if of != side:
                    continue
                if what not in launched:
                    raise RuntimeError(f"{side} exited without printing {what}")
                times[figure].append(launched[what])
    return times


def _row(measurement: str, times: dict[str, list[float]], value: str, reference: str, note: str,
         *, target: bool = True) -> Row:
    """Best of ``value`` over best of ``reference``; held to ``TARGET_RATIO`` when ``target``."""
    best, ref = min(times[value]), min(times[reference])
    ratio = best / ref
    rounds = "; ".join(f"{name}: " + ", ".join(f"{t:.2f}" for t in times[name]) for name in (value, reference))
    return Row(measurement, best, "s", ref, "s", ratio, f"≤ {TARGET_RATIO:g}x" if target else "",
               ratio <= TARGET_RATIO if target else None,
               note=f"{note}; best of {len(times[value])} interleaved rounds ({rounds} s)",
               extra={"seconds": {name: times[name] for name in (value, reference)}})


def _project(ctx: Context) -> Path:
    """A project of the demo's bins with two runs, each keeping its model (what a user double-clicks)."""
    path = ctx.workdir / "startup-project.tlgui"
    if not path.exists():
        from tlgui.core.data.demo import demo_dataset
        from tlgui.core.project import Project, save_project
        from tlgui.core.training.config import TrainConfig
        from tlgui.core.training.runs import RunHistory, run_from_classifier

        classifier = ctx.speed_classifier()
        runs = RunHistory([run_from_classifier(classifier, 1), run_from_classifier(classifier, 2)], in_use_id=1)
        save_project(Project(demo_dataset(), classifier.backbone_id, TrainConfig(), runs), path)
    return path


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
    try:
        require_window_toolkit()
    except Skip as exc:  # the prediction rows need no window
        rows = [Row("window start-up: skipped", None, note=str(exc))]
    else:
        rows = _window_rows(ctx, env)
    return rows + [_torch_pause_row(ctx, env)] + _predict_rows(ctx, env)


def _torch_pause_row(ctx: Context, env: dict[str, str]) -> Row:
    """The longest the window's thread waits while torch loads in the background: with torch's
    libraries loaded off the interpreter lock first (what tlgui does), over a plain import."""
    pauses: dict[str, list[float]] = {"off-the-lock": [], "plain": []}
    for _ in range(1 if ctx.quick else 5):
        for side, found in pauses.items():
            proc = subprocess.run([sys.executable, "-c", _TORCH_PAUSE, side], cwd=REPO, env=env,
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                raise RuntimeError(f"the torch-pause script failed ({proc.returncode}): {proc.stderr[-2000:]}")
            found.append(float(proc.stdout.split()[-1]))
    median = {side: statistics.median(found) for side, found in pauses.items()}
    rounds = "; ".join(f"{side}: " + ", ".join(f"{t * 1000:.0f}" for t in found) for side, found in pauses.items())
    return Row("window thread's longest pause while torch loads in the background (informative)",
               median["off-the-lock"] * 1000, "ms", median["plain"] * 1000, "ms",
               median["off-the-lock"] / median["plain"],
               note="torch, torchvision and torch._dynamo imported on a thread while the main thread wakes "
                    "every 2 ms; value: torch's native libraries loaded first with the interpreter lock "
                    "released (tlgui.core.runtime.native_libraries, as the window's warm-up does), "
                    f"reference: a plain import; median of {len(pauses['plain'])} interleaved rounds ({rounds} ms)",
               extra={"pause_s": pauses})


def _window_rows(ctx: Context, env: dict[str, str]) -> list[Row]:
    project = _project(ctx)
    window = _rounds(ctx, {"tlgui": ["-m", "tlgui"], "project": ["-m", "tlgui", str(project)],
                           "bare": ["-c", _BARE_WINDOW], "text": ["-c", _TEXT_WINDOW]},
                     {**env, "TLGUI_EXIT_AFTER_FIRST_PAINT": "1"},
                     {"tlgui": ("tlgui", FIRST_PAINT), "tlgui, all pages": ("tlgui", ALL_PAGES),
                      "tlgui, with a project": ("project", FIRST_PAINT), "bare": ("bare", FIRST_PAINT),
                      "text window": ("text", FIRST_PAINT)})
    bare_note = "reference: a bare PySide6 QMainWindow, 1280x800, launch → first paint; both offscreen"
    return [
        _row("window: launch → first paint (python -m tlgui)", window, "tlgui", "bare",
             f"{bare_note}; the window shown: menus, tabs and the Data page with the demo's bins"),
        _row("  diagnostic: a bare window with words (Qt namespace, menu, five tabs) / bare", window,
             "text window", "bare", f"{bare_note}; the least text costs any window: the Qt namespace's "
             f"enums, the font database, a menu, five titled tabs and a label; no tlgui module", target=False),
        _row("window: launch → all five pages built (informative)", window, "tlgui, all pages", "bare",
             f"{bare_note}; the pages not shown are built in idle turns after the first paint", target=False),
        _row("window with a project given: launch → first paint (informative)", window, "tlgui, with a project",
             "bare", f"{bare_note}; python -m tlgui PROJECT, a project of two runs with their models, read "
             f"after the first paint (it imports torch)", target=False),
    ]


def _predict_rows(ctx: Context, env: dict[str, str]) -> list[Row]:
    model, photo = ctx.speed_model_file(), _photo(ctx)
    predict_args = ["-m", "tlgui", "predict", str(model), str(photo), "--device", ctx.device]
    predict = _rounds(ctx, {"tlgui": predict_args, "torch": ["-c", _IMPORT_TORCH]}, env,
                      {"tlgui": ("tlgui", WALL), "torch": ("torch", WALL)})
    return [
        _row("tlgui predict MODEL photo.jpg: whole process", predict, "tlgui", "torch",
             f"reference: python -c \"{_IMPORT_TORCH}\"; {model.stat().st_size / 2**20:.1f} MiB "
             f"EfficientNet-Lite0 model file, one JPEG, --device {ctx.device}"),
    ]
