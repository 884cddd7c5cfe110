"""The guard against PySide6 6.12's lost references to None/True on Python 3.11 (see the module)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from tlgui.gui import pyside_fixes


class _Emitter(QObject):
    ping = Signal()


def test_many_void_calls_and_emits_do_not_abort_python():
    pyside_fixes.protect_none()
    probe = _Emitter()
    # Well beyond None's and True's natural reference counts (a few thousand) on Python 3.11.
    for _ in range(50_000):
        probe.setObjectName("x")
        probe.ping.emit()
    assert sys.getrefcount(None) > 0 and sys.getrefcount(True) > 0


def test_guard_is_idempotent():
    first = pyside_fixes.protect_none()
    assert pyside_fixes.protect_none() == first
