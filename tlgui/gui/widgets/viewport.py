"""A scroll area's viewport, fetched without PySide making every QtWidgets class first.

In PySide 6.11, the first ``QAbstractScrollArea.viewport()`` of a process makes Python types for all
the QtWidgets classes not made yet (calendars, wizards, MDI areas... some 65 with their enums,
about 20 ms), which the window would otherwise pay before its first paint. ``findChild`` returns
the same widget without that; once a widget has its Python wrapper, ``viewport()`` simply returns it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractScrollArea, QWidget

# The object name QAbstractScrollArea gives its viewport.
VIEWPORT_NAME = "qt_scrollarea_viewport"


def viewport(area: QAbstractScrollArea) -> QWidget:
    """``area.viewport()`` (a viewport set with ``setViewport`` included)."""
    # Direct children are searched before grandchildren: a scroll area nested inside is not found first.
    found = area.findChild(QWidget, VIEWPORT_NAME)
    return found if found is not None and found.parent() is area else area.viewport()
