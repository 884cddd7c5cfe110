"""The window's remembered preferences (recent projects, geometry), in one QSettings store."""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANISATION = "tlgui"
APPLICATION = "tlgui"


def app_settings() -> QSettings:
    """tlgui's settings store; named explicitly so it does not depend on QApplication's names."""
    return QSettings(ORGANISATION, APPLICATION)
