"""Starting the window: ``main(argv)`` is what ``tlgui`` with no sub-command runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

import tlgui
from tlgui.core.data.demo import demo_dataset
from tlgui.core.errors import TlguiError
from tlgui.core.resources import resources_dir
from tlgui.gui.controller import ProjectController
from tlgui.gui.language import install_language, window_language
from tlgui.gui.main_window import MainWindow
from tlgui.gui.settings import APPLICATION, ORGANISATION
from tlgui.gui.tasks import wait_for_abandoned

ICON_FILE = "tlgui.svg"
#: After the window has closed, how long a job abandoned at close may take to reach its cancel check.
EXIT_WAIT_MS = 10_000
#: ``TLGUI_SMOKE_TEST=1``: the window closes by itself this long after opening (packaging/README.md).
SMOKE_TEST_ENV = "TLGUI_SMOKE_TEST"
SMOKE_TEST_CLOSE_MS = 3_000


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
    return app


def open_window(project: Path | None = None) -> MainWindow:
    """The main window with ``project`` opened, or a new project filled with the demo classes.

    The demo means a newcomer can press Train straight away; if it cannot be read the project
    simply starts empty. A project that fails to open is reported and replaced by a new one.
    """
    controller = ProjectController()
    window = MainWindow(controller)
    controller.setParent(window)
    try:
        opened = project is not None and window.open_project(project)
    except Exception as exc:  # noqa: BLE001 - a double-clicked file must never stop the window opening
        window.show_error(QCoreApplication.translate("app", "The project {path} could not be opened ({kind}).").format(
            path=project, kind=exc.__class__.__name__))
        opened = False
    if not opened:
        try:
            controller.new_project(demo_dataset())
        except (TlguiError, OSError) as exc:
            controller.new_project()
            controller.show_status(QCoreApplication.translate("app", "Demo photos not loaded: {reason}").format(reason=exc))
    return window


def main(argv: list[str] | None = None) -> int:
    """Open the window. ``argv`` (default ``sys.argv[1:]``): an optional project file to open,
    plus any Qt options (``-style``, ``-platform``...). Returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    app = make_application([sys.argv[0] if sys.argv else "tlgui", *argv])
    # QApplication has removed the Qt options it understood; what is left is ours.
    args = app.arguments()[1:]
    window = open_window(Path(args[0]) if args else None)
    window.show()
    if os.environ.get(SMOKE_TEST_ENV) == "1":
        # A build's smoke test (packaging/build-bundle.sh): the demo loads, then it closes as a user would.
        QTimer.singleShot(SMOKE_TEST_CLOSE_MS, window.close)
    code = app.exec()
    if not wait_for_abandoned(EXIT_WAIT_MS):
        # A job still inside one long engine call: Qt aborts the process if its thread is destroyed
        # while running, and nothing can interrupt the call. Every save was finished or abandoned
        # atomically, so leave now without the interpreter's teardown.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
