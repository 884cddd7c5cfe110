"""Screenshots of every page of the real window, at 1280x800 and 1920x1080, into docs/screenshots/.

Run from the repository root on an X display large enough for 1920x1080 (no window manager needed):

    xvfb-run -s "-screen 0 1920x1080x24" python docs/screenshots/make_screenshots.py [--language zh_CN]

It opens the window on the bundled demo (resources/demo), loads the bundled backbone, trains the
head only for a few epochs, classifies the demo's validation photos, runs Data > Check photos…
and opens the duplicates list and the About box, saving each screen at both sizes. The settings,
the feature cache and the extra photos it adds (one copy of a demo photo in the other class, one
re-encoded copy) live in a temporary folder; nothing of the user's is read or changed.

PNGs larger than ``MAX_BYTES`` are reduced to 256 colours (fewer where still too large), which keeps text sharp.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's tlgui, not an installed one

from PIL import Image  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

OUT = Path(__file__).resolve().parent
SIZES = ((1280, 800), (1920, 1080))
MAX_BYTES = 300_000
EPOCHS = 8
LONG_S = 600


def pump(seconds: float = 0.3) -> None:
    """Let the window lay out, paint and take queued results for ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = LONG_S) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"Gave up waiting for {what} after {timeout_s:.0f} s.")
        QApplication.processEvents()
        time.sleep(0.02)


def save_png(image: QImage, name: str) -> Path:
    """``image`` as ``OUT/name.png``; reduced to 256 colours when the full-colour file is large."""
    path = OUT / f"{name}.png"
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    pixels = Image.frombuffer("RGB", (image.width(), image.height()), bytes(image.constBits()),
                              "raw", "RGB", image.bytesPerLine(), 1)
    pixels.save(path, optimize=True)
    for colours in (256, 128, 64):
        if path.stat().st_size <= MAX_BYTES:
            break
        pixels.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {image.width()}x{image.height()}, {path.stat().st_size // 1024} KB")
    return path


def grab(window: QWidget, name: str) -> None:
    """What the screen shows where the window is (dialogs over it included); the window's own
    rendering where the platform cannot read the screen (offscreen)."""
    pump()
    screen = QGuiApplication.primaryScreen()
    geometry = window.geometry()
    image = QImage()
    if QGuiApplication.platformName() != "offscreen":
        image = screen.grabWindow(0, geometry.x(), geometry.y(), geometry.width(), geometry.height()).toImage()
    if image.isNull():
        image = window.grab().toImage()
    save_png(image, name)


def at_both_sizes(window: QWidget, name: str, before: Callable[[int, int], None] | None = None) -> None:
    for width, height in SIZES:
        window.resize(width, height)
        window.move(0, 0)
        pump(0.2)
        if before is not None:
            before(width, height)
        grab(window, f"{name}_{width}x{height}")


def over_window(window: QWidget, dialog: QWidget, share: float) -> Callable[[int, int], None]:
    """Size ``dialog`` to ``share`` of the window and centre it there, at each size."""
    def place(width: int, height: int) -> None:
        dialog.resize(int(width * share), int(height * share))
        dialog.move((width - dialog.width()) // 2, (height - dialog.height()) // 2)
        dialog.raise_()
        pump(0.5)
    return place


def set_language(app: QApplication, language: str) -> None:
    """The window in ``language`` (needs tlgui.gui.language, the window's language setting)."""
    try:
        from tlgui.gui.language import install_language
    except ImportError:
        raise SystemExit("This tlgui has no window language setting (tlgui.gui.language); "
                         "run without --language.") from None
    install_language(app, language)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", help="the window's language, e.g. zh_CN (default: English)")
    parser.add_argument("--prefix", default="", help="put before every file name, e.g. zh_CN_")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="tlgui-screens-"))
    os.environ["TLGUI_CACHE_DIR"] = str(scratch / "feature-cache")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(scratch / "settings"))

    from tlgui.core.resources import demo_dir
    from tlgui.gui.app import make_application, open_window

    app = make_application([sys.argv[0]])
    if args.language:
        set_language(app, args.language)
    window = open_window()
    window.show()
    pump(1.0)
    try:
        shoot(window, scratch, demo_dir(), args.prefix)
    finally:
        window.shutdown()
        window.controller.mark_clean()
        window.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def shoot(window, scratch: Path, demo: Path, prefix: str) -> None:
    controller = window.controller
    tabs = window.tabs

    # Data: the demo's bins under the first-launch banner.
    tabs.setCurrentWidget(window.data_page)
    at_both_sizes(window, f"{prefix}data")

    # Model: the bundled backbone's layer tree, head only on the dial.
    tabs.setCurrentWidget(window.model_page)
    window.model_page.ensure_loaded()
    wait_until(lambda: controller.network is not None and not window.model_page.busy, "the backbone")
    window.model_page.set_level(0)
    window.model_page.tree.expandToDepth(0)
    window.model_page.show_head()  # the new head and its parameter count, in view as the dial leaves them
    at_both_sizes(window, f"{prefix}model")

    # Train: a short head-only run, its curves.
    controller.set_config(replace(controller.config, epochs=EPOCHS, freeze_level=0))
    tabs.setCurrentWidget(window.train_page)
    pump()
    window.train_page.start()
    wait_until(lambda: not window.train_page.busy and controller.classifier is not None, "training")
    at_both_sizes(window, f"{prefix}train")

    # Results: the runs table, the matrix with its curves, a cell, the misclassified photos.
    results = window.results_page
    tabs.setCurrentWidget(results)
    pump()
    at_both_sizes(window, f"{prefix}results")
    run = results.selected_run
    if run is not None and run.report is not None:
        names = run.report.class_names
        results.show_cell(names[0], names[-1])
        at_both_sizes(window, f"{prefix}results_cell")
    results.tabs.setCurrentIndex(results.tabs.count() - 1)
    at_both_sizes(window, f"{prefix}results_misclassified")

    # Classify: a folder (the table; the gallery where the page has one), then one photo.
    classify = window.classify_page
    tabs.setCurrentWidget(classify)
    classify.classify_paths([demo / "val"])
    wait_until(lambda: not classify.busy and bool(classify.predictions), "classifying a folder")
    # The folder's answers are two views of one tab widget: the gallery, then the table.
    classify.results.setCurrentWidget(classify.gallery)
    at_both_sizes(window, f"{prefix}classify_gallery")
    classify.results.setCurrentWidget(classify.table_box)
    at_both_sizes(window, f"{prefix}classify_table")
    one = sorted((demo / "val" / "bees").glob("*.jpg"))[0]
    classify.classify_paths([one])
    wait_until(lambda: not classify.busy and classify.stack.currentWidget() is classify.single, "one photo")
    at_both_sizes(window, f"{prefix}classify_photo")

    # Data > Check photos…, after adding a copy of an ant among the bees (the same bytes: also a
    # duplicate across classes) and a bee saved again at JPEG quality 40 (a near-duplicate within
    # its class).
    data = window.data_page
    tabs.setCurrentWidget(data)
    ant = sorted((demo / "train" / "ants").glob("*.jpg"))[0]
    bee = sorted((demo / "train" / "bees").glob("*.jpg"))[1]
    extra = scratch / "extra"
    extra.mkdir()
    shutil.copy(ant, extra / f"copy_of_{ant.name}")
    with Image.open(bee) as photo:
        photo.save(extra / f"again_{bee.name}", quality=40)
    data.add_paths(sorted(extra.iterdir()), label="bees")
    wait_until(lambda: not data.intake.running, "adding the copies")
    pump(0.5)
    check = data.check_photos()
    wait_until(lambda: check.result is not None, "the photo check")
    check.tabs.setCurrentIndex(0)
    at_both_sizes(window, f"{prefix}check_suspects", over_window(window, check, 0.85))
    check.tabs.setCurrentIndex(1)
    at_both_sizes(window, f"{prefix}check_pairs", over_window(window, check, 0.85))
    check.close()

    duplicates = data.show_duplicates()
    at_both_sizes(window, f"{prefix}duplicates", over_window(window, duplicates, 0.6))
    duplicates.close()

    about = window.about()
    def place_about(width: int, height: int) -> None:
        about.adjustSize()
        about.move((width - about.width()) // 2, (height - about.height()) // 2)
        pump(0.5)
    at_both_sizes(window, f"{prefix}about", place_about)
    about.close()


if __name__ == "__main__":
    sys.exit(main())
