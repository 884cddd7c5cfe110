"""A guard against a reference-counting bug of PySide6 6.12 on Python 3.11 that aborts the app.

With PySide6-Essentials 6.12 on CPython 3.11, every call from Python into a Qt method that returns
``void`` (``QPainter.save()``, ``QLabel.setText()``, ``QRect.setWidth()``...) or an empty QVariant
(``QModelIndex.data(role)`` for an unfilled role, ``QAction.data()``...) gives back ``None``
without taking a reference to it, and every ``signal.emit(...)`` does the same with ``True``.
Each call lowers the singleton's reference count by one; after a few thousand calls, i.e. seconds
of painting with a Python delegate or of thumbnails arriving, Python aborts with "Fatal Python
error: none_dealloc" (or "bool_dealloc"). Python 3.12 made these singletons immortal; there the
bug is harmless, which is presumably why it went unnoticed upstream.

No amount of care in our own code avoids void calls and emits, so ``protect_none()`` raises the
reference counts of None, True and False by 2**60 once, when the bug is detected: lost references
then never reach zero. The module applies the guard when imported; ``tlgui.gui.controller``
(imported by every page) and ``tlgui.gui.app`` import it, and so should any entry point that uses
Qt before them.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 60  # far from Py_ssize_t's limit, far beyond any session's lost references
_applied = False


def none_refcount_leaks() -> bool:
    """True when this PySide6 loses references to None (void calls) or True (signal emits)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        probe.setObjectName("tlgui-probe")
        probe.objectNameChanged.emit("tlgui-probe")
    after = sys.getrefcount(None), sys.getrefcount(True)
    return after[0] < before[0] - 8 or after[1] < before[1] - 8


def protect_none() -> bool:
    """Apply the guard if this Python and PySide6 need it (idempotent). True when applied."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _applied
    if none_refcount_leaks():
        # ob_refcnt is the first field of every CPython (3.11) object header.
        for singleton in (None, True, False):
            ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
        _applied = True
    return _applied


protect_none()
