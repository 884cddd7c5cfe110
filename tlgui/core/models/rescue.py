"""Keeping a trained model when the file it was meant for cannot be written.

A run can take an hour. Its model file's folder is checked before it starts, but the disk can fill
up while it trains (its own feature cache, a download, another program) or go away (a USB disk): the
save at the end then fails, and with it, in a command that ends there, the hour. So the model is
written to a rescue folder of the user's instead, and the command says where it is.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tlgui.core.errors import TlguiError
from tlgui.core.files.versions import MODEL_SUFFIX
from tlgui.core.i18n import _
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import save_classifier
from tlgui.core.training.feature_cache import default_cache_dir

RESCUE_FOLDER_NAME = "rescued-models"


class ModelLostError(TlguiError):
    """Neither the file asked for nor any rescue folder could take the model."""


@dataclass(frozen=True)
class SavedModel:
    """Where a model was written: ``path``, the file asked for, or a rescue file, with ``problem``
    saying why the file asked for could not be written."""

    path: Path
    problem: str | None = None

    @property
    def rescued(self) -> bool:
        return self.problem is not None


def rescue_folders() -> list[Path]:
    """Where a model that could not be saved goes, in order: beside the user's feature cache (usually
    on the home disk), then the system's temporary folder (often on another disk)."""
    return [default_cache_dir().parent / RESCUE_FOLDER_NAME, Path(tempfile.gettempdir()) / f"tlgui-{RESCUE_FOLDER_NAME}"]


def save_or_rescue(classifier: Classifier, path: Path, *, now: dt.datetime | None = None) -> SavedModel:
    """Save ``classifier`` to ``path``; when that fails for want of space or of the disk (OSError),
    to a new file in the first rescue folder that takes it. ModelLostError when none does; any
    other failure (a model that cannot be saved at all) is raised as it is."""
    try:
        save_classifier(classifier, path)
        return SavedModel(path)
    except OSError as exc:
        problem = _reason(exc)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    name = f"{path.stem or 'model'}-{stamp}{MODEL_SUFFIX}"
    failures = [f"{path}: {problem}"]
    for folder in rescue_folders():
        rescue = _unused(folder / name)
        try:
            save_classifier(classifier, rescue)
            return SavedModel(rescue, problem)
        except OSError as exc:
            failures.append(f"{rescue}: {_reason(exc)}")
    raise ModelLostError(_("The trained model could not be saved anywhere ({failures}).").format(
        failures="; ".join(failures)))


def _unused(path: Path) -> Path:
    """``path``, or the same name with -2, -3... when a file of that name is there already."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def _reason(exc: OSError) -> str:
    return str(exc.strerror or exc)
