"""GUI tests run without a display: Qt's offscreen platform."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory):
    """Recent files and window geometry go to a throw-away folder, never the user's config."""
    folder = tmp_path_factory.mktemp("qsettings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def _no_unexpected_dialogs(monkeypatch):
    """A modal dialog would block the run forever offscreen: one a test did not stub fails it."""

    def unexpected(*args, **kwargs):
        raise AssertionError(f"unexpected dialog: {args[1:3]}")

    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(unexpected))
    for name in ("getSaveFileName", "getOpenFileName", "getOpenFileNames", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(unexpected))


@pytest.fixture(autouse=True, scope="session")
def _english_window(qapp):
    """The window speaks English in tests whatever the machine's locale, with its English plural forms
    (``%n photo(s)`` → ``1 photo``, ``3 photos``) from ``tlgui_en.qm``, as ``tlgui`` itself loads them."""
    from tlgui.gui.language import install_language

    install_language(qapp, "en")


@pytest.fixture(autouse=True, scope="session")
def _cycles_collected_on_the_gui_thread(qapp):
    """As in the application: cycles holding Qt objects are collected on the GUI thread, never on a
    decoder or job thread (Qt objects destroyed there crashed a later collection)."""
    from tlgui.gui.main_thread_gc import collect_on_gui_thread

    collector = collect_on_gui_thread(qapp)
    yield collector
    collector.stop()
