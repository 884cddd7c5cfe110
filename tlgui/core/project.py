"""The project file: class bins, settings and (once trained) the model, in one ``.tlgui`` zip.

Members: ``project.json`` (format name and version, the DataSet, backbone id, TrainConfig, freeze
state) and, when trained, ``model.safetensors`` holding exactly the bytes of a model file. Written
atomically; read without unpickling anything.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import tlgui
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import DataError, ModelFileError, SettingsError
from tlgui.core.files.atomic import atomic_writer
from tlgui.core.files.versions import PROJECT_FORMAT_NAME, PROJECT_FORMAT_VERSION, check_format_version
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import classifier_from_bytes, classifier_to_bytes
from tlgui.core.training.trainer import TrainConfig

PROJECT_JSON = "project.json"
MODEL_MEMBER = "model.safetensors"

# project.json is small; a member claiming more is damaged or hostile (zip bomb), not a project.
_MAX_JSON_BYTES = 256 * 1024 * 1024


@dataclass
class Project:
    """Everything a user would lose by closing the window: bins, settings, trained model."""

    dataset: DataSet
    backbone_id: str
    config: TrainConfig
    classifier: Classifier | None = None
    freeze_overrides: dict[str, bool] = field(default_factory=dict)


def save_project(project: Project, path: Path | str) -> None:
    """Write ``project`` to ``path`` atomically: a failed save leaves any old file intact."""
    document = json.dumps(_project_document(project), ensure_ascii=False, indent=1, default=str)
    # Serialise the model before opening the target so a failure there costs nothing.
    model = classifier_to_bytes(project.classifier) if project.classifier is not None else None
    with atomic_writer(path) as handle, zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(PROJECT_JSON, document.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        if model is not None:
            # Stored, not deflated: float weights barely compress and stored members read faster.
            archive.writestr(MODEL_MEMBER, model, compress_type=zipfile.ZIP_STORED)


def _project_document(project: Project) -> dict:
    return {
        "format": PROJECT_FORMAT_NAME,
        "format_version": PROJECT_FORMAT_VERSION,
        "tlgui_version": tlgui.__version__,
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        "backbone_id": project.backbone_id,
        "dataset": project.dataset.to_dict(),
        "config": project.config.to_dict(),
        "freeze": {"level": project.config.freeze_level, "overrides": dict(project.freeze_overrides)},
        "trained": project.classifier is not None,
    }


def load_project(path: Path | str) -> Project:
    """Open a ``.tlgui`` file. Raises ``ModelFileError`` if it is damaged, foreign or too new."""
    path = Path(path)
    where = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            document = _read_document(archive, where)
            model = _read_member(archive, MODEL_MEMBER, where) if document.get("trained") else None
    except FileNotFoundError as exc:
        raise ModelFileError(f"The project file {where} does not exist.") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise ModelFileError(
            f"{where} is not a tlgui project or it is damaged (not a readable zip)."
        ) from exc
    except OSError as exc:
        raise ModelFileError(f"Could not read the project file {where}: {exc.strerror or exc}.") from exc
    classifier = (
        classifier_from_bytes(model, source=f"The model inside {where}") if model is not None else None
    )
    return _project_from_document(document, classifier, where)


def _read_member(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise ModelFileError(f"{where} is damaged: it lacks {name}.") from exc
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        # BadZipFile covers CRC mismatches, i.e. a member whose bytes changed after writing.
        raise ModelFileError(f"{where} is damaged: {name} cannot be read ({exc}).") from exc


def _read_document(archive: zipfile.ZipFile, where: str) -> dict:
    try:
        size = archive.getinfo(PROJECT_JSON).file_size
    except KeyError as exc:
        raise ModelFileError(f"{where} is not a tlgui project (it has no {PROJECT_JSON}).") from exc
    if size > _MAX_JSON_BYTES:
        raise ModelFileError(f"{where} is damaged: its {PROJECT_JSON} is implausibly large.")
    try:
        document = json.loads(_read_member(archive, PROJECT_JSON, where).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{where} is damaged: its {PROJECT_JSON} is not readable.") from exc
    if not isinstance(document, dict) or document.get("format") != PROJECT_FORMAT_NAME:
        raise ModelFileError(f"{where} is not a tlgui project (unknown format).")
    check_format_version(document, where, kind="project", supported=PROJECT_FORMAT_VERSION)
    return document


def _project_from_document(document: dict, classifier: Classifier | None, where: str) -> Project:
    try:
        dataset = DataSet.from_dict(document["dataset"])
        config = TrainConfig.from_dict(document["config"])
        backbone_id = document["backbone_id"]
        freeze = document.get("freeze") or {}
        overrides = freeze.get("overrides") or {}
        level = freeze.get("level", config.freeze_level)
        if not isinstance(backbone_id, str) or not isinstance(overrides, dict):
            raise TypeError("backbone_id or freeze overrides have the wrong type")
        if level is not None and (not isinstance(level, int) or isinstance(level, bool) or level < 0):
            raise TypeError("the freeze level is not a whole number")
        config.freeze_level = level
        freeze_overrides = {str(k): bool(v) for k, v in overrides.items()}
    except DataError as exc:
        raise ModelFileError(f"{where} is damaged. {exc}") from exc
    except SettingsError as exc:
        raise ModelFileError(f"{where} is damaged: one of its settings cannot be used. {exc}") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{where} is damaged: its settings cannot be read ({exc}).") from exc
    return Project(dataset, backbone_id, config, classifier, freeze_overrides)
