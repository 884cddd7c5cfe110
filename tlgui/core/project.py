"""The project file: class bins, settings and (once trained) the model, in one ``.tlgui`` zip.

Members: ``project.json`` (format name and version, the DataSet, backbone id, TrainConfig with the
freeze state) and, when trained, ``model.safetensors`` holding exactly the bytes of a model file. Written
atomically; read without unpickling anything.

A project is a file a user may have been sent, so it is read as a parser must read a stranger's
file, with every limit decided before the first byte: a regular file of bounded size; a zip whose
central directory is checked before anything is inflated (exactly the members tlgui writes, once
each, stored or deflated, declared sizes within their caps, a sane compression ratio); members
inflated no further than their declared, capped size; ``project.json`` checked for nesting depth
before it is parsed, and every field checked for type before it is used. Any failure is one
``ModelFileError`` sentence naming the file. The photo paths it lists are never opened here.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import tlgui
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import DataError, ModelFileError, SettingsError, TlguiError
from tlgui.core.files.atomic import atomic_writer
from tlgui.core.files.limits import FileLimitError, loads_json_limited, open_regular
from tlgui.core.files.versions import PROJECT_FORMAT_NAME, PROJECT_FORMAT_VERSION, check_format_version
from tlgui.core.models.classifier import Classifier
from tlgui.core.training.config import TrainConfig

PROJECT_JSON = "project.json"
MODEL_MEMBER = "model.safetensors"

#: project.json of 400,000 photos stays below this (about 160 bytes a photo). Parsed, a hostile
#: document of this size costs at most about 1.5 GB (a list of empty objects); a save refuses to
#: write one larger, so every project tlgui writes opens again.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
#: The largest backbone offered (ViT-B/16) is about 330 MB in fp32.
MAX_MODEL_BYTES = 1024 * 1024 * 1024
#: Both members, their headers and the central directory.
MAX_PROJECT_BYTES = MAX_DOCUMENT_BYTES + MAX_MODEL_BYTES + 1024 * 1024
# What each member may be: its size cap and the compressions tlgui writes it with. The model is
# stored, so its size in memory is its size on disk.
_MEMBER_RULES = {
    PROJECT_JSON: (MAX_DOCUMENT_BYTES, (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)),
    MODEL_MEMBER: (MAX_MODEL_BYTES, (zipfile.ZIP_STORED,)),
}
# tlgui's directory of two short names is under 200 bytes; what zipfile parses is capped by this.
_MAX_DIRECTORY_BYTES = 4096
# Real project.json deflates about 7:1 (digests are random hex); deflate reaches about 1032:1.
# A member this small cannot hurt whatever its ratio.
_MAX_RATIO = 200
_RATIO_CHECKED_ABOVE = 1024 * 1024
_MAX_BACKBONE_ID_CHARS = 200
_MAX_FREEZE_LEVEL = 2**31 - 1

# The zip end-of-central-directory record (22 bytes) and the zip64 locator that may precede it.
_END_RECORD = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20


@dataclass
class Project:
    """Everything a user would lose by closing the window: bins, settings, trained model."""

    dataset: DataSet
    backbone_id: str
    config: TrainConfig
    classifier: Classifier | None = None


# ---- writing ------------------------------------------------------------------------------------
def save_project(project: Project, path: Path | str) -> None:
    """Write ``project`` to ``path`` atomically: a failed save leaves any old file intact.

    Raises ``TlguiError`` when the project is too large to open again, ``SaveError`` when ``path``
    is not a place for a file, ``OSError`` when writing fails.
    """
    document = _document_bytes(_project_document(project))
    if len(document) > MAX_DOCUMENT_BYTES:
        raise TlguiError(
            f"The project is too large to save ({len(document):,} bytes of class lists and settings; "
            f"at most {MAX_DOCUMENT_BYTES:,}): split its photos over several projects."
        )
    # Serialise the model before opening the target so a failure there costs nothing.
    from tlgui.core.models.modelfile import classifier_to_bytes  # torch: only a project with a model needs it

    model = classifier_to_bytes(project.classifier) if project.classifier is not None else None
    with atomic_writer(path) as handle, zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(PROJECT_JSON, document, compress_type=zipfile.ZIP_DEFLATED)
        if model is not None:
            # Stored, not deflated: float weights barely compress and stored members read faster.
            archive.writestr(MODEL_MEMBER, model, compress_type=zipfile.ZIP_STORED)


def _document_bytes(document: dict) -> bytes:
    try:
        return json.dumps(document, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    except UnicodeEncodeError:
        # A Linux file name that is not UTF-8 reaches Python with lone surrogates, which UTF-8
        # cannot encode; JSON's \u escapes carry them exactly, so the photo is found again.
        return json.dumps(document, ensure_ascii=True, indent=1, default=str).encode("ascii")


def _project_document(project: Project) -> dict:
    return {
        "format": PROJECT_FORMAT_NAME,
        "format_version": PROJECT_FORMAT_VERSION,
        "tlgui_version": tlgui.__version__,
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        "backbone_id": project.backbone_id,
        "dataset": project.dataset.to_dict(),
        "config": project.config.to_dict(),
        "trained": project.classifier is not None,
    }


# ---- reading ------------------------------------------------------------------------------------
def load_project(path: Path | str) -> Project:
    """Open a ``.tlgui`` file. Raises ``ModelFileError`` if it is damaged, foreign, too new or hostile."""
    path = Path(path)
    where = f"The file {path}"
    try:
        with open_regular(path, MAX_PROJECT_BYTES, what="project file") as handle:
            project, model = _read_archive(handle, where)
    except FileLimitError as exc:
        raise ModelFileError(str(exc)) from None
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(_not_a_zip(where)) from exc
    except OSError as exc:
        raise ModelFileError(f"Could not read the project file {path}: {exc.strerror or exc}.") from exc
    if model is not None:
        from tlgui.core.models.modelfile import classifier_from_bytes

        project.classifier = classifier_from_bytes(model, source=f"The model inside {path}")
    return project


def _read_archive(handle: IO[bytes], where: str) -> tuple[Project, bytes | None]:
    """The project (without its classifier) and the model member's bytes, if it has one."""
    _check_end_record(handle, where)
    with zipfile.ZipFile(handle) as archive:
        members = _checked_members(archive, where)
        text = _read_member(archive, members[PROJECT_JSON], where)
        project, trained = _project_from_text(text, where)
        if trained and MODEL_MEMBER not in members:
            raise ModelFileError(f"{where} is damaged: it lacks {MODEL_MEMBER}.")
        if not trained and MODEL_MEMBER in members:
            raise ModelFileError(f"{where} is damaged: it holds a model but says it is not trained.")
        model = _read_member(archive, members[MODEL_MEMBER], where) if trained else None
    return project, model


def _check_end_record(handle: IO[bytes], where: str) -> None:
    """Refuse, from the zip's last bytes alone, a directory that zipfile would take long to parse.

    tlgui writes no zip comment and never needs zip64, so its end record is the last 22 bytes; this
    is the record zipfile itself reads first, so both see the same directory size.
    """
    size = handle.seek(0, 2)
    if size < _END_RECORD.size:
        raise ModelFileError(_not_a_zip(where))
    handle.seek(size - _END_RECORD.size)
    signature, disk, directory_disk, entries_here, entries, directory_size, _offset, comment = (
        _END_RECORD.unpack(handle.read(_END_RECORD.size))
    )
    if signature != _END_SIGNATURE or comment != 0:
        raise ModelFileError(_not_a_zip(where))
    if size >= _END_RECORD.size + _ZIP64_LOCATOR_SIZE:
        handle.seek(size - _END_RECORD.size - _ZIP64_LOCATOR_SIZE)
        if handle.read(4) == _ZIP64_LOCATOR_SIGNATURE:
            raise ModelFileError(f"{where} is not a tlgui project: tlgui never writes zip64 archives.")
    if disk or directory_disk or entries_here != entries:
        raise ModelFileError(f"{where} is not a tlgui project: it is one part of a multi-part zip.")
    if entries > len(_MEMBER_RULES):
        most = len(_MEMBER_RULES)
        raise ModelFileError(f"{where} is not a tlgui project: it holds {entries} entries, a project at most {most}.")
    if directory_size > _MAX_DIRECTORY_BYTES:
        raise ModelFileError(f"{where} is not a tlgui project: its zip directory is {directory_size:,} bytes long.")
    handle.seek(0)


def _checked_members(archive: zipfile.ZipFile, where: str) -> dict[str, zipfile.ZipInfo]:
    """The directory's entries by name, after checking every one before anything is inflated."""
    infos = archive.infolist()
    names = [info.orig_filename for info in infos]
    if PROJECT_JSON not in names:
        raise ModelFileError(f"{where} is not a tlgui project (it has no {PROJECT_JSON}).")
    for info in infos:
        name = info.orig_filename
        if name not in _MEMBER_RULES or info.filename != name:
            shown = repr(name[:80])
            raise ModelFileError(f"{where} is not a tlgui project: it holds {shown}, which tlgui never writes.")
        if names.count(name) > 1:
            raise ModelFileError(f"{where} is damaged or forged: it holds {name} more than once.")
        _check_member(info, where)
    return {info.orig_filename: info for info in infos}


def _check_member(info: zipfile.ZipInfo, where: str) -> None:
    name, declared, packed = info.orig_filename, info.file_size, info.compress_size
    cap, compressions = _MEMBER_RULES[name]
    if info.flag_bits & 0x1:
        raise ModelFileError(f"{where} is not a tlgui project: its {name} is encrypted.")
    if info.compress_type not in compressions:
        raise ModelFileError(f"{where} is not a tlgui project: its {name} is compressed as tlgui never does.")
    if declared > cap:
        raise ModelFileError(
            f"{where} is damaged or hostile: its {name} claims {declared:,} bytes, "
            f"more than the {cap:,} it may hold."
        )
    stored_but_resized = info.compress_type == zipfile.ZIP_STORED and packed != declared
    if stored_but_resized or (declared > _RATIO_CHECKED_ABOVE and declared > _MAX_RATIO * packed):
        raise ModelFileError(
            f"{where} is damaged or hostile: its {name} would inflate {packed:,} bytes to {declared:,}."
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    """The member's bytes; zipfile stops inflating at the (capped) declared size and checks the CRC."""
    name = info.orig_filename
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size)
            overrun = stream.read(1)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        # BadZipFile covers CRC mismatches, i.e. a member whose bytes changed after writing.
        raise ModelFileError(f"{where} is damaged: {name} cannot be read ({exc}).") from exc
    if len(data) != info.file_size or overrun:
        raise ModelFileError(f"{where} is damaged: {name} cannot be read (it is not the size it says).")
    return data


# ---- project.json -------------------------------------------------------------------------------
def _project_from_text(data: bytes, where: str) -> tuple[Project, bool]:
    """The project described by ``project.json`` (no classifier yet), and whether it is trained."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{where} is damaged: its {PROJECT_JSON} is not UTF-8 text.") from None
    try:
        document = loads_json_limited(text, where=where)
    except FileLimitError as exc:
        raise ModelFileError(str(exc)) from None
    if not isinstance(document, dict) or document.get("format") != PROJECT_FORMAT_NAME:
        raise ModelFileError(f"{where} is not a tlgui project (unknown format).")
    check_format_version(document, where, kind="project", supported=PROJECT_FORMAT_VERSION)
    trained = document.get("trained", False)
    if not isinstance(trained, bool):
        raise ModelFileError(f"{where} is damaged: its 'trained' flag is neither true nor false.")
    return _project_from_document(document, where), trained


def _project_from_document(document: dict, where: str) -> Project:
    backbone_id = document.get("backbone_id")
    if not isinstance(backbone_id, str) or not 0 < len(backbone_id) <= _MAX_BACKBONE_ID_CHARS:
        raise ModelFileError(f"{where} is damaged: the backbone it names is missing or invalid.")
    dataset = _dataset(document.get("dataset"), where)
    try:
        config = TrainConfig.from_dict(document.get("config"))
    except SettingsError as exc:
        reason = str(exc).rstrip(".")
        raise ModelFileError(_bad_settings(where, reason[:1].lower() + reason[1:])) from None
    except (TypeError, ValueError) as exc:
        raise ModelFileError(_bad_settings(where, str(exc))) from None
    freeze = document.get("freeze")
    if freeze is None:
        freeze = {}
    if not isinstance(freeze, dict):
        raise ModelFileError(_bad_settings(where, "the freeze state is invalid"))
    # Files written before the settings held the freeze state kept it in a "freeze" block too,
    # which the window went by: it wins, and lives on in the settings only.
    config.freeze_level = _freeze_level(freeze, config.freeze_level, where)
    config.trainable_overrides = {**config.trainable_overrides, **_freeze_overrides(freeze, where)}
    return Project(dataset, backbone_id, config, None)


def _dataset(data: object, where: str) -> DataSet:
    try:
        return DataSet.from_dict(data)  # type: ignore[arg-type]
    except DataError as exc:
        reason = str(exc).rstrip(".")
        raise ModelFileError(f"{where} is damaged: {reason[:1].lower()}{reason[1:]}.") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # DataSet.from_dict turns what it recognises into DataError; this is the rest of the damage.
        kind = exc.__class__.__name__
        raise ModelFileError(f"{where} is damaged: its class list cannot be read ({kind}).") from None


def _freeze_level(freeze: dict, default: int | None, where: str) -> int | None:
    level = freeze.get("level", default)
    if level is not None and (type(level) is not int or not 0 <= level <= _MAX_FREEZE_LEVEL):
        raise ModelFileError(_bad_settings(where, "the freeze level is not a whole number"))
    return level


def _freeze_overrides(freeze: dict, where: str) -> dict[str, bool]:
    overrides = freeze.get("overrides")
    if overrides is None:
        return {}
    if not isinstance(overrides, dict) or not all(isinstance(v, bool) for v in overrides.values()):
        raise ModelFileError(_bad_settings(where, "the layer choices are invalid"))
    return dict(overrides)


def _not_a_zip(where: str) -> str:
    return f"{where} is not a tlgui project or it is damaged (not a readable zip)."


def _bad_settings(where: str, reason: str) -> str:
    return f"{where} is damaged: its settings cannot be read ({reason})."
