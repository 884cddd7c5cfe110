"""The formats a model leaves the app in, apart from the exporter so that naming them imports no
torch (the window's file dialogs offer them before torch has loaded)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from tlgui.core.files.versions import MODEL_SUFFIX

ONNX_SUFFIX = ".onnx"


class ExportFormat(StrEnum):
    """The formats a model leaves the app in; the values are what the command line takes."""

    TLGUI = "safetensors"  # tlgui's own model file: opens in tlgui, weights readable by safetensors
    ONNX = "onnx"

    @property
    def suffix(self) -> str:
        return MODEL_SUFFIX if self is ExportFormat.TLGUI else ONNX_SUFFIX

    @property
    def title(self) -> str:
        return "tlgui model" if self is ExportFormat.TLGUI else "ONNX model"

    @classmethod
    def of_path(cls, path: Path | str) -> ExportFormat:
        """The format a file name asks for (by suffix); tlgui's own for anything else."""
        return cls.ONNX if Path(path).suffix.lower() == ONNX_SUFFIX else cls.TLGUI
