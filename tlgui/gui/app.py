"""Starting the window: ``main(argv)`` is what ``tlgui`` with no sub-command runs.

The window opens before torch has loaded: nothing on its way imports torch, torchvision or timm
(seconds each; tests/test_startup.py holds it to that), and it paints with only the page it shows
built. Once it has painted, the other pages are built in idle turns of the event loop, then
``warm_up`` loads torch in the background with the project's backbone, while the user looks at the
photos, so that Train is quick when pressed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

import tlgui
import tlgui.gui.pyside_import_check  # noqa: F401 - before the rest of tlgui, whose imports it speeds up
from tlgui.core.data.demo import demo_dataset
from tlgui.core.errors import TlguiError
from tlgui.core.resources import resources_dir
from tlgui.gui.controller import ProjectController
from tlgui.gui.language import install_language, window_language
from tlgui.gui.main_thread_gc import collect_on_gui_thread
from tlgui.gui.main_window import MODEL, MainWindow, could_not_open
from tlgui.gui.settings import APPLICATION, ORGANISATION
from tlgui.gui.tasks import TaskSlot, wait_for_abandoned

ICON_FILE = "tlgui.svg"
# ``TLGUI_SMOKE_TEST=1``: the window closes by itself this long after opening (packaging/README.md).
SMOKE_TEST_ENV = "TLGUI_SMOKE_TEST"
SMOKE_TEST_CLOSE_MS = 3_000
# ``TLGUI_EXIT_AFTER_FIRST_PAINT=1``: once the window has first painted, print ``first-paint <time.time()>``
# on stdout; once every page is built, ``all-pages <time.time()>``; then close. How
# benchmarks/startup.py times launch → first paint (and → all five pages).
FIRST_PAINT_ENV = "TLGUI_EXIT_AFTER_FIRST_PAINT"
FIRST_PAINT_LINE = "first-paint"
ALL_PAGES_LINE = "all-pages"


class FirstPaint(QObject):
    """Emits ``painted`` once: when ``window`` is first about to paint (its widgets paint in the same
    pass, right after it)."""

    painted = Signal()

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window
        # On the window alone: a filter on the whole application would bring every object that
        # receives an event into Python, each needing its Python type made first.
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self._window.removeEventFilter(self)
            self.painted.emit()
        return False


def app_icon() -> QIcon:
    """The application icon (empty when the file is missing from the installation)."""
    path = resources_dir() / ICON_FILE
    return QIcon(str(path)) if path.is_file() else QIcon()


def make_application(argv: list[str]) -> QApplication:
    """The QApplication, with tlgui's names, icon and language (reuses one that already exists)."""
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationDisplayName("tlgui")
    app.setApplicationVersion(tlgui.__version__)
    # Matches packaging/tlgui.desktop so Wayland/X11 docks group the window under the launcher.
    app.setDesktopFileName("tlgui")
    app.setWindowIcon(app_icon())
    install_language(app, window_language())
    collect_on_gui_thread(app)
    return app


def open_window(project: Path | None = None, *, read_later: bool = False) -> MainWindow:
    """The main window with ``project`` opened, or a new project filled with the demo classes.

    The demo means a newcomer can press Train straight away; if it cannot be read the project
    simply starts empty. A project that fails to open is reported and replaced by a new one.
    ``read_later``: the window opens with an empty project, its pages disabled, and the caller reads
    ``project`` with ``read_project_in_background`` once the window is on screen.
    """
    controller = ProjectController()
    # The demo goes in before the window is built, so that the Data page is built once, with it.
    demo_problem = _start_with_demo(controller) if project is None else None
    window = MainWindow(controller)
    controller.setParent(window)
    if project is not None and read_later:
        window.set_reading(project)
        return window
    if project is not None:
        try:
            opened = window.open_project(project)
        except Exception as exc:  # noqa: BLE001 - a double-clicked file must never stop the window opening
            window.show_error(could_not_open(project, exc))
            opened = False
        if not opened:
            demo_problem = _start_with_demo(controller)
    _say_demo_problem(controller, demo_problem)
    return window


def _say_demo_problem(controller: ProjectController, problem: Exception | None) -> None:
    if problem is not None:
        controller.show_status(QCoreApplication.translate("app", "Demo photos not loaded: {reason}").format(
            reason=problem))


def read_project_in_background(window: MainWindow, project: Path) -> TaskSlot:
    """Read ``project`` off the GUI thread, then open it in ``window`` (made by ``open_window(project,
    read_later=True)``): the window neither waits for it to paint nor freezes meanwhile. A file that
    cannot be read is reported and the demo opens instead, as when the window starts without a
    project. Returns the slot doing the reading.
    """
    controller = window.controller
    window.read_project(project, if_unreadable=lambda: _say_demo_problem(controller, _start_with_demo(controller)))
    return window.project_reader


def _start_with_demo(controller: ProjectController) -> Exception | None:
    """A new project holding the demo photos; an empty one, and the reason, when they cannot be read."""
    try:
        controller.new_project(demo_dataset())
    except (TlguiError, OSError) as exc:
        controller.new_project()
        return exc
    return None


def warm_up(window: MainWindow) -> TaskSlot:
    """Load torch and the training and prediction engine in the background, with the project's
    backbone when its weights are on this computer; then offer the devices torch found and install
    the backbone, as the Model page would have.

    Nothing here is the user's work: closing the window does not wait for it or ask about it (the
    process lets it end before exiting). Returns the slot, which the caller shuts down at exit.
    """
    controller = window.controller
    backbone_id = controller.backbone_id
    slot = TaskSlot(window)

    def job(_token, _report) -> tuple[list[str], Any]:
        # The Train and Results pages' curves import pyqtgraph (with numpy) when first shown: half a
        # second during which the window's thread would be held, at the click. Here first, being the
        # quickest of what follows to be needed; an import makes no widget, so any thread may.
        import pyqtgraph  # noqa: F401

        from tlgui.core.runtime.native_libraries import load_torch_libraries

        load_torch_libraries()  # without holding the window's thread up for half a second
        # torch.optim's first optimizer imports torch._dynamo (1.6 s on a 2-core CPU): now, not at Start.
        import torch._dynamo  # noqa: F401

        import tlgui.core.predict.predictor  # noqa: F401 - imported for its cost, now rather than later
        import tlgui.core.training.trainer  # noqa: F401
        from tlgui.core.backbones.catalogue import create_backbone, weights_status
        from tlgui.core.runtime.device import available_devices

        network = None
        if weights_status(backbone_id) != "missing":  # never a download nobody asked for
            try:
                network = create_backbone(backbone_id, allow_download=False)
            except TlguiError:
                pass  # the Model page says what is wrong when it is opened
        return available_devices(), network

    def on_ready(result: tuple[list[str], Any]) -> None:
        devices, network = result
        if not window.isVisible():  # closing: change nothing more
            return
        window.train_page.form.set_devices(devices)
        # Unless another backbone was chosen meanwhile, or the Model page is loading one itself.
        model_page = window.built_page(MODEL)
        if (network is not None and controller.network is None and controller.backbone_id == backbone_id
                and (model_page is None or not model_page.busy)):
            controller.set_network(network)

    slot.failed.connect(lambda message, _details: controller.show_status(
        QCoreApplication.translate("app", "Could not load torch: {reason}").format(reason=message)))
    slot.start(job, on_ready)
    return slot


def _print_time(line: str) -> None:
    try:
        print(f"{line} {time.time():.6f}", flush=True)
    except BrokenPipeError:
        # Nobody reads any more (``python -m tlgui | head -1``). Raised here, inside a Qt slot, it
        # would stop the slot before the window is closed, and the process would never end: the
        # times go nowhere instead, including the line still buffered that exit would flush.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    """Open the window. ``argv`` (default ``sys.argv[1:]``): an optional project file to open,
    plus any Qt options (``-style``, ``-platform``...). Returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    app = make_application([sys.argv[0] if sys.argv else "tlgui", *argv])
    # QApplication has removed the Qt options it understood; what is left is ours.
    args = app.arguments()[1:]
    project = Path(args[0]) if args else None
    # A project is read once the window is on screen: reading its models imports torch.
    window = open_window(project, read_later=True)
    first_paint = FirstPaint(window)
    warming: list[TaskSlot] = []
    timing = os.environ.get(FIRST_PAINT_ENV) == "1"

    def on_painted() -> None:  # after the paint has been done (the next turn of the event loop)
        if timing:
            _print_time(FIRST_PAINT_LINE)
        if project is not None:
            warming.append(read_project_in_background(window, project))
        window.build_remaining_pages()

    def on_all_pages_built() -> None:
        if timing:
            _print_time(ALL_PAGES_LINE)
            window.close()
        elif window.isVisible():
            # Not before: importing torch on a thread would slow the pages down (one interpreter lock).
            warming.append(warm_up(window))

    first_paint.painted.connect(lambda: QTimer.singleShot(0, window, on_painted))
    window.allPagesBuilt.connect(on_all_pages_built, Qt.ConnectionType.SingleShotConnection)
    window.show()
    if os.environ.get(SMOKE_TEST_ENV) == "1":
        # A build's smoke test (packaging/build-bundle.sh): the demo loads, then it closes as a user would.
        QTimer.singleShot(SMOKE_TEST_CLOSE_MS, window.close)
    code = app.exec()
    for slot in warming:
        slot.shutdown(0)  # an import cannot be interrupted: it is waited for below, like any abandoned job
    if not wait_for_abandoned():
        # A job still inside one long engine call: Qt aborts the process if its thread is destroyed
        # while running, and nothing can interrupt the call. Every save was finished or abandoned
        # atomically, so leave now without the interpreter's teardown (and without the temporary
        # file of a save that was abandoned).
        from tlgui.core.files.atomic import remove_unfinished_temporaries

        remove_unfinished_temporaries()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
