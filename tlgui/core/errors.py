"""Errors the engine raises. ``str(error)`` is a complete sentence meant for the user."""

from __future__ import annotations

from pathlib import Path

from tlgui.core.i18n import _


class TlguiError(Exception):
    """Base class for problems the user can fix; shown without a traceback."""


class DataError(TlguiError):
    """The photos given cannot be trained on as they are (too few classes, empty bins...)."""


class ImageDecodeError(TlguiError):
    """One file could not be read as an image; ``reason`` says why in a few words."""

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ModelFileError(TlguiError):
    """A model or project file is damaged, truncated, foreign or of an unknown version."""


class WeightsUnavailableError(TlguiError):
    """Pretrained weights are neither bundled nor cached and cannot be downloaded."""

    def __init__(self, message: str, *, filename: str = "", url: str = "", target_dir: Path | None = None,
                 reason: str = ""):
        self.filename = filename
        self.url = url
        self.target_dir = target_dir
        self.reason = reason  # why it could not be had, in a few words (e.g. "there is no internet connection")
        super().__init__(message)


class Cancelled(TlguiError):
    """The user stopped a long operation."""

    def __init__(self, message: str | None = None):
        super().__init__(_("Stopped by the user.") if message is None else message)


class SettingsError(TlguiError):
    """A training setting has the wrong type or lies outside the range it may take.

    ``setting`` names the field of TrainConfig, so a driver can point at its own control for it
    (the command line's option, the window's spin box).
    """

    def __init__(self, message: str, *, setting: str = ""):
        self.setting = setting
        super().__init__(message)


class OutputPathError(TlguiError):
    """A file cannot be written where the user asked: no such folder, a folder, a device, no permission."""
