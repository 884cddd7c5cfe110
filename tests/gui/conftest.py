"""GUI tests run without a display: Qt's offscreen platform."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

# PySide6 6.12 on Python 3.11 loses a reference to None on every void call; see the module.
from tlgui.gui import pyside_fixes  # noqa: E402, F401


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory):
    """Recent files and window geometry go to a throw-away folder, never the user's config."""
    folder = tmp_path_factory.mktemp("qsettings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield folder
