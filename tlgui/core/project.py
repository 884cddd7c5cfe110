"""The project file: class bins, settings and every training run, in one ``.tlgui`` zip.

Members (format 2): ``project.json`` (format name and version, the DataSet, backbone id, TrainConfig
with the freeze state, the ids of the runs in order and the one in use); for each run
``runs/<id>.json`` (its settings, curves, timings and evaluation: ``Run.to_dict``) and, while the
project keeps its model, ``runs/<id>.safetensors`` holding exactly the bytes of a model file. How many
runs and models a project keeps is ``tlgui.core.training.runs``'s rule. Format 1 (one
``model.safetensors``, no runs) still opens, as one run. Written atomically; read without
unpickling anything.

A project is a file a user may have been sent, so it is read as a parser must read a stranger's
file, with every limit decided before the first byte: a regular file of bounded size; a zip whose
central directory is checked before anything is inflated (only the members tlgui writes, once
each, stored or deflated, each declared size within its member's cap, the models together within
theirs, a sane compression ratio); members inflated no further than their declared, capped size;
JSON checked for nesting depth before it is parsed, and every field checked for type before it is
used; the members present must be exactly those ``project.json`` names. Any failure is one
``ModelFileError`` sentence naming the file. The photo paths it lists are never opened here.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import tlgui
from tlgui.core.data.bins import DataSet, path_from_dict, path_to_dict
from tlgui.core.errors import DataError, ModelFileError, SettingsError, TlguiError
from tlgui.core.files.atomic import ReplaceCheck, atomic_writer
from tlgui.core.files.limits import FileLimitError, loads_json_limited, open_regular
from tlgui.core.files.stamps import FileStamp, file_stamp
from tlgui.core.files.versions import PROJECT_FORMAT_NAME, PROJECT_FORMAT_VERSION, check_format_version
from tlgui.core.i18n import N_, _
from tlgui.core.models.classifier import Classifier
from tlgui.core.progress import CancelToken
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.runs import (
    MAX_KEPT_MODEL_BYTES,
    MAX_KEPT_MODELS,
    MAX_RUN_ID,
    MAX_RUNS,
    Run,
    RunHistory,
    run_from_classifier,
)

PROJECT_JSON = "project.json"
#: Format 1's one trained model; format 2 keeps models under ``runs/``.
MODEL_MEMBER = "model.safetensors"
#: ``runs/<id>.json`` and ``runs/<id>.safetensors``; ids are written without leading zeros.
_RUN_MEMBER = re.compile(rf"runs/([1-9][0-9]{{0,{len(str(MAX_RUN_ID)) - 1}}})\.(json|safetensors)")

#: project.json of 400,000 photos stays below this (about 160 bytes a photo). Parsed, a hostile
#: document of this size costs at most about 1.5 GB (a list of empty objects); a save refuses to
#: write one larger, so every project tlgui writes opens again.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
#: A run's JSON: its curves and up to MAX_KEPT_PREDICTIONS photos' predictions (a few hundred
#: bytes each); a save drops predictions, mistakes last, rather than write one larger.
MAX_RUN_DOCUMENT_BYTES = 4 * 1024 * 1024
#: The largest backbone offered (ViT-B/16) is about 330 MB in fp32.
MAX_MODEL_BYTES = 1024 * 1024 * 1024
#: Every model of a project together: the runs' bound on weights, plus their headers.
MAX_TOTAL_MODEL_BYTES = MAX_KEPT_MODEL_BYTES + 64 * 1024 * 1024
#: Every member, their headers and the central directory; under 2 GiB, so zipfile never needs zip64.
MAX_PROJECT_BYTES = MAX_DOCUMENT_BYTES + MAX_RUNS * MAX_RUN_DOCUMENT_BYTES + MAX_TOTAL_MODEL_BYTES + 1024 * 1024
_DOCUMENT_COMPRESSIONS = (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)
# Models are stored, so a model's size in memory is its size on disk.
_MODEL_COMPRESSIONS = (zipfile.ZIP_STORED,)
#: project.json, and a document and a model for every run.
_MAX_ENTRIES = 1 + 2 * MAX_RUNS
# A central-directory entry is 46 bytes and its name (tlgui writes no extra field or comment);
# what zipfile parses is capped by the entries the end record declares times this.
_MAX_ENTRY_BYTES = 46 + len(f"runs/{MAX_RUN_ID}.safetensors")
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


def run_document_member(run_id: int) -> str:
    return f"runs/{run_id}.json"


def run_model_member(run_id: int) -> str:
    return f"runs/{run_id}.safetensors"


def _member_rule(name: str) -> tuple[int, tuple[int, ...]] | None:
    """The size cap and compressions of a member tlgui writes under ``name``; None for any other name."""
    if name == PROJECT_JSON:
        return MAX_DOCUMENT_BYTES, _DOCUMENT_COMPRESSIONS
    if name == MODEL_MEMBER:
        return MAX_MODEL_BYTES, _MODEL_COMPRESSIONS
    match = _RUN_MEMBER.fullmatch(name)
    if match is None:
        return None
    if match.group(2) == "json":
        return MAX_RUN_DOCUMENT_BYTES, _DOCUMENT_COMPRESSIONS
    return MAX_MODEL_BYTES, _MODEL_COMPRESSIONS


def _is_model(name: str) -> bool:
    return name.endswith(".safetensors")


@dataclass
class Project:
    """Everything a user would lose by closing the window: bins, settings, every training run."""

    dataset: DataSet
    backbone_id: str
    config: TrainConfig
    runs: RunHistory = field(default_factory=RunHistory)
    # The file's stamp when ``load_project`` opened it (a save over it checks nobody wrote it since).
    opened_as: FileStamp | None = None
    # Photos ``load_project`` found again beside the file, which had moved since it was saved.
    photos_found_moved: int = 0
    # Photos ``load_project`` found neither at their paths nor beside the moved file.
    photos_missing: int = 0

    @property
    def classifier(self) -> Classifier | None:
        """The model of the run in use (what Classify and Export use), or None."""
        run = self.runs.in_use
        return run.classifier if run is not None else None


# ---- writing ------------------------------------------------------------------------------------
class ProjectChangedError(TlguiError):
    """The project file was changed by someone else since it was opened or last saved here."""


def save_project(project: Project, path: Path | str, *, opened_as: FileStamp | None = None) -> FileStamp:
    """Write ``project`` to ``path`` atomically: a failed save leaves any old file intact. Returns
    the new file's stamp. ``prepare_save(...).write()``, in one go.

    ``opened_as``: the stamp of ``path`` when this project was opened or last saved there. When the
    file has changed since (another window or another program saved it), nothing is written and
    ``ProjectChangedError`` says so: the caller asks before replacing someone else's work.
    Raises ``TlguiError`` when the project is too large to open again, ``SaveError`` when ``path``
    is not a place for a file, ``OSError`` when writing fails.
    """
    return prepare_save(project, path, opened_as=opened_as).write()


@dataclass(frozen=True)
class PreparedSave:
    """A project's save, taken as it stood: its documents as bytes and its runs' models (which no
    one changes once made). Writing it reads nothing else of the project, so it may run on another
    thread while the project goes on changing (a window stays responsive while its models are
    written). ``write`` raises what ``save_project`` raises, and ``Cancelled`` when stopped: then,
    as on any failure, the file at ``path`` is left as it was."""

    path: Path
    opened_as: FileStamp | None
    document: bytes
    run_documents: tuple[tuple[int, bytes], ...]
    models: tuple[tuple[int, Classifier], ...]

    @property
    def steps(self) -> int:
        """What ``write`` reports progress in: the documents, then each model."""
        return 1 + len(self.models)

    def _unchanged_since_opened(self) -> None:
        if self.opened_as is not None and file_stamp(self.path) not in (self.opened_as, None):
            raise ProjectChangedError(_(
                "{path} was changed by another window or program since it was opened here; saving would "
                "replace those changes."
            ).format(path=self.path))

    def write(self, cancel: CancelToken | None = None,
              progress: Callable[[int, int], None] | None = None) -> FileStamp:
        """Write the file; ``progress(done, steps)`` after each step, ``cancel`` checked before each."""
        check_cancel = (cancel or CancelToken()).raise_if_cancelled
        self._unchanged_since_opened()  # before the work of writing; again, under a lock, before replacing
        replace_check = ReplaceCheck(self._unchanged_since_opened)
        # The models are serialised one at a time while writing (several at once could be gigabytes);
        # a failure on the way leaves the old file as it was, like any failed save.
        with atomic_writer(self.path, replace_check=replace_check) as handle, \
                zipfile.ZipFile(handle, "w") as archive:
            check_cancel()
            archive.writestr(PROJECT_JSON, self.document, compress_type=zipfile.ZIP_DEFLATED)
            for run_id, run_document in self.run_documents:
                archive.writestr(run_document_member(run_id), run_document, compress_type=zipfile.ZIP_DEFLATED)
            if progress is not None:
                progress(1, self.steps)
            models_total = 0
            for done, (run_id, classifier) in enumerate(self.models, start=2):
                check_cancel()
                from tlgui.core.models.modelfile import (
                    classifier_to_bytes,  # torch: only when there is a model
                )

                model = classifier_to_bytes(classifier)
                models_total += len(model)
                if len(model) > MAX_MODEL_BYTES or models_total > MAX_TOTAL_MODEL_BYTES:
                    raise TlguiError(
                        _(
                            "The project is too large to save: its models take more than "
                            "{total_model_bytes:,} bytes. Delete runs on the Results page, or untick "
                            "“Always keep”, then save again."
                        ).format(total_model_bytes=MAX_TOTAL_MODEL_BYTES)
                    )
                # Stored, not deflated: float weights barely compress and stored members read faster.
                archive.writestr(run_model_member(run_id), model, compress_type=zipfile.ZIP_STORED)
                del model  # the next model is serialised without this one still held
                if progress is not None:
                    progress(done, self.steps)
            check_cancel()  # the last moment a Stop leaves the old file: next, it is replaced
        return FileStamp.of(replace_check.written)  # set by every save that reached its replacement


def prepare_save(project: Project, path: Path | str, *, opened_as: FileStamp | None = None) -> PreparedSave:
    """Take ``project`` as it stands now for a save to ``path`` (see ``save_project``): the class
    lists, settings and run records become bytes here, and the checks that need no disk are made
    (a project too large to open again, a file changed since ``opened_as``). Fast: the models are
    serialised by ``PreparedSave.write``."""
    prepared = PreparedSave(
        path=Path(path),
        opened_as=opened_as,
        document=_document_bytes(_project_document(project, _folder_of(path))),
        run_documents=tuple((run.id, _run_document_bytes(run)) for run in project.runs),
        models=tuple((run.id, run.classifier) for run in project.runs if run.classifier is not None),
    )
    if len(prepared.document) > MAX_DOCUMENT_BYTES:
        raise TlguiError(
            _(
                "The project is too large to save ({count:,} bytes of class lists and settings; at "
                "most {document_bytes:,}): split its photos over several projects."
            ).format(count=len(prepared.document), document_bytes=MAX_DOCUMENT_BYTES)
        )
    prepared._unchanged_since_opened()  # said at once, before a window starts writing
    return prepared


def _folder_of(path: Path | str) -> Path:
    """The folder a project file is in, as its photos' paths are written (absolute, links kept)."""
    return Path(os.path.abspath(path)).parent


def _document_bytes(document: dict) -> bytes:
    try:
        return json.dumps(document, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    except UnicodeEncodeError:
        # A Linux file name that is not UTF-8 reaches Python with lone surrogates, which UTF-8
        # cannot encode; JSON's \u escapes carry them exactly, so the photo is found again.
        return json.dumps(document, ensure_ascii=True, indent=1, default=str).encode("ascii")


def _run_document_bytes(run: Run) -> bytes:
    """The run's JSON within MAX_RUN_DOCUMENT_BYTES: predictions are dropped, correct ones first,
    until it fits (only photo paths thousands of characters long make it necessary)."""
    document = run.to_dict()
    data = _document_bytes(document)
    report = document.get("report")
    while len(data) > MAX_RUN_DOCUMENT_BYTES and report is not None and report["predictions"]:
        # Mistakes come first in a run's predictions (they are the ones worth keeping); keep half.
        predictions = report["predictions"]
        keep = len(predictions) // 2
        document["predictions_left_out"] += len(predictions) - keep
        report["predictions"] = predictions[:keep]
        data = _document_bytes(document)
    if len(data) > MAX_RUN_DOCUMENT_BYTES:
        raise TlguiError(_(
            "The project is too large to save: the record of “{name}” alone is {count:,} bytes. Delete "
            "that run on the Results page, then save again."
        ).format(name=run.name, count=len(data)))
    return data


def _project_document(project: Project, folder: Path) -> dict:
    return {
        "format": PROJECT_FORMAT_NAME,
        "format_version": PROJECT_FORMAT_VERSION,
        "tlgui_version": tlgui.__version__,
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        # Where the file was: opened from elsewhere, photos that moved with it are found again.
        "saved_in": path_to_dict(folder),
        "backbone_id": project.backbone_id,
        "dataset": project.dataset.to_dict(),
        "config": project.config.to_dict(),
        "runs": [run.id for run in project.runs],
        "run_in_use": project.runs.in_use_id,
        # Deleted runs' ids are not given again (a file written before this field existed: max + 1).
        "last_run_id": project.runs.last_id,
    }


# ---- reading ------------------------------------------------------------------------------------
def load_project(path: Path | str) -> Project:
    """Open a ``.tlgui`` file. Raises ``ModelFileError`` if it is damaged, foreign, too new or hostile."""
    path = Path(path)
    where = _("The file {path}").format(path=path)
    try:
        with open_regular(path, MAX_PROJECT_BYTES, what="project file") as handle:
            project, saved_in = _read_archive(handle, where, _folder_of(path))
            project.opened_as = FileStamp.of(os.fstat(handle.fileno()))  # the very file read
    except FileLimitError as exc:
        raise ModelFileError(str(exc)) from None
    except (zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
        # zipfile raises NotImplementedError for what it does not read: a "version needed" above its
        # own, another compression method, strong encryption; in a project file, one flipped byte.
        raise ModelFileError(_not_a_zip(where)) from exc
    except OSError as exc:
        raise ModelFileError(_(
            "Could not read the project file {path}: {reason}."
        ).format(path=path, reason=exc.strerror or exc)) from exc
    if saved_in is not None:
        found = project.dataset.find_moved_photos(saved_in, _folder_of(path))
        project.runs.find_moved_photos(found)  # see find_photos_in
        project.photos_found_moved = len(found)
    project.photos_missing = len(project.dataset.missing_photos())
    return project


def find_photos_in(dataset: DataSet, runs: RunHistory, folder: Path) -> int:
    """The user points at ``folder``, where a project's missing photos are now ("Find them…"): the
    bins take the paths they have there (``DataSet.find_photos_in``), and so do the runs validated on
    them (``RunHistory.find_moved_photos``), as when ``load_project`` finds them beside a moved file:
    their mistakes are shown from them, exports are checked on them, and a new run checked on them
    compares with the runs before. Returns how many photos were found."""
    found = dataset.find_photos_in(folder)
    runs.find_moved_photos(found)
    return len(found)


def export_check_photos(run: Run | None, dataset: DataSet, config: TrainConfig) -> list[Path]:
    """Photos an export of a project's model is checked on (onnxruntime against torch: real photos,
    whatever their classes): those ``run`` was validated on that are still there, else the project's
    validation photos; none when there are too few to split (the export is checked on seeded inputs)."""
    if run is not None and run.report is not None:
        there = [p.path for p in run.report.predictions if p.path.is_file()]
        if there:
            return there
    if len(dataset) == 0 or len(dataset.class_names) < 2:
        return []
    try:
        return [item.path for item in dataset.split(config.val_fraction, config.seed)[1]]
    except TlguiError:
        return []


def _read_archive(handle: IO[bytes], where: str, folder: Path) -> tuple[Project, Path | None]:
    """The project, its runs and their models, after checking the members match what it says; and
    the folder it was saved in, when it says. ``folder`` is the file's: relative photo paths are
    taken from there."""
    _check_end_record(handle, where)
    with zipfile.ZipFile(handle) as archive:
        members = _checked_members(archive, where)
        text = _read_member(archive, members[PROJECT_JSON], where)
        project, document = _project_from_text(text, where, folder)
        if document["format_version"] == 1:
            project.runs = _version_1_runs(archive, members, document, where)
        else:
            project.runs = _runs(archive, members, document, where, folder)
    return project, _saved_in(document, where)


def _saved_in(document: dict, where: str) -> Path | None:
    raw = document.get("saved_in")
    if raw is None:
        return None  # written before projects said where they were
    try:
        folder = path_from_dict(raw, "the folder it was saved in") if isinstance(raw, dict) else None
    except DataError:
        folder = None
    if folder is None:
        raise ModelFileError(_(
            "{where} is damaged: the folder it was saved in is not a valid path."
        ).format(where=where))
    return folder if folder.is_absolute() else None


def _version_1_runs(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], document: dict,
                    where: str) -> RunHistory:
    """Format 1 kept one model and no runs: the model becomes run 1, in use."""
    trained = document.get("trained", False)
    if not isinstance(trained, bool):
        raise ModelFileError(_(
            "{where} is damaged: its 'trained' flag is neither true nor false."
        ).format(where=where))
    if any(_RUN_MEMBER.fullmatch(name) for name in members):
        raise ModelFileError(_(
            "{where} is damaged or forged: it holds runs, which format 1 never did."
        ).format(where=where))
    if trained and MODEL_MEMBER not in members:
        raise ModelFileError(_(
            "{where} is damaged: it lacks {model_member}."
        ).format(where=where, model_member=MODEL_MEMBER))
    if not trained and MODEL_MEMBER in members:
        raise ModelFileError(_(
            "{where} is damaged: it holds a model but says it is not trained."
        ).format(where=where))
    if not trained:
        return RunHistory()
    model = _read_member(archive, members[MODEL_MEMBER], where)
    from tlgui.core.models.modelfile import classifier_from_bytes  # torch: only when there is a model

    classifier = classifier_from_bytes(model, source=_("The model inside {path}").format(path=_path_of(where)))
    run = run_from_classifier(classifier, 1, created=_saved_time(document))
    return RunHistory([run], in_use_id=1)


def _runs(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], document: dict,
          where: str, folder: Path) -> RunHistory:
    """Format 2: the runs project.json lists, each from its members, and the one in use. ``folder``
    is the file's: relative photo paths are taken from there."""
    ids = document.get("runs", [])
    in_use = document.get("run_in_use")
    last_id = document.get("last_run_id", 0)
    if not (isinstance(ids, list) and len(ids) <= MAX_RUNS
            and all(type(i) is int and 1 <= i <= MAX_RUN_ID for i in ids) and len(set(ids)) == len(ids)):
        raise ModelFileError(_(
            "{where} is damaged: its list of runs is invalid."
        ).format(where=where))
    if in_use is not None and (type(in_use) is not int or in_use not in ids):
        raise ModelFileError(_(
            "{where} is damaged: the run it says is in use is not one of its runs."
        ).format(where=where))
    if type(last_id) is not int or not 0 <= last_id <= MAX_RUN_ID:
        raise ModelFileError(_(
            "{where} is damaged: its last run id is not a number from 0 to {max_id:,}."
        ).format(where=where, max_id=MAX_RUN_ID))
    if MODEL_MEMBER in members:
        raise ModelFileError(_(
            "{where} is damaged or forged: it holds {model_member}, which format 2 never does."
        ).format(where=where, model_member=MODEL_MEMBER))
    listed = {PROJECT_JSON} | {run_document_member(i) for i in ids} | {run_model_member(i) for i in ids}
    for name in members:
        if name not in listed:
            raise ModelFileError(_(
                "{where} is damaged or forged: it holds {name} for a run it does not list."
            ).format(where=where, name=name))
    runs = []
    for run_id in ids:
        member = run_document_member(run_id)
        if member not in members:
            raise ModelFileError(_(
                "{where} is damaged: it lacks {member}."
            ).format(where=where, member=member))
        run, has_model = _run_from_member(archive, members[member], run_id, where, folder)
        model_member = run_model_member(run_id)
        if has_model != (model_member in members):
            says = _("has a model, and the file lacks") if has_model else _("has no model, and the file holds")
            raise ModelFileError(_(
                "{where} is damaged: {member} says its run {says} {model_member}."
            ).format(where=where, member=member, says=says, model_member=model_member))
        if has_model:
            run.classifier = _run_model(archive, members[model_member], run, where)
        runs.append(run)
    try:
        return RunHistory(runs, in_use_id=in_use, last_id=last_id)
    except ValueError as exc:
        raise ModelFileError(_("{where} is damaged: {exc}.").format(where=where, exc=exc)) from None


def _run_from_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, run_id: int, where: str,
                     folder: Path) -> tuple[Run, bool]:
    name = info.orig_filename
    data = _read_member(archive, info, where)
    try:
        document = loads_json_limited(data.decode("utf-8"), where=where)
    except UnicodeDecodeError:
        raise ModelFileError(_(
            "{where} is damaged: its {name} is not UTF-8 text."
        ).format(where=where, name=name)) from None
    except FileLimitError as exc:
        raise ModelFileError(str(exc)) from None
    try:
        return Run.from_dict(document, run_id, relative_to=folder)
    except ValueError as exc:
        raise ModelFileError(_(
            "{where} is damaged: its {name} cannot be read ({exc})."
        ).format(where=where, name=name, exc=exc)) from None
    except (KeyError, TypeError, AttributeError) as exc:
        # Run.from_dict names what it recognises as wrong; this is the rest of the damage.
        kind = exc.__class__.__name__
        raise ModelFileError(_(
            "{where} is damaged: its {name} cannot be read ({kind})."
        ).format(where=where, name=name, kind=kind)) from None


def _run_model(archive: zipfile.ZipFile, info: zipfile.ZipInfo, run: Run, where: str) -> Classifier:
    name = info.orig_filename
    model = _read_member(archive, info, where)
    from tlgui.core.models.modelfile import classifier_from_bytes  # torch: only when there is a model

    classifier = classifier_from_bytes(model, source=_("The model {name} inside {path}").format(name=name, path=_path_of(where)))
    del model
    if classifier.backbone_id != run.backbone_id or (
        run.report is not None and classifier.class_names != run.report.class_names
    ):
        raise ModelFileError(_(
            "{where} is damaged or forged: its {name} is not the model its run describes."
        ).format(where=where, name=name))
    return classifier


def _path_of(where: str) -> str:
    """The path in ``where`` ("The file /a/b.tlgui"), whatever the language puts before it."""
    return where.removeprefix(_("The file {path}").format(path=""))


def _saved_time(document: dict) -> datetime | None:
    saved = document.get("saved")
    if not isinstance(saved, str) or len(saved) > 40:
        return None
    try:
        stamp = datetime.fromisoformat(saved)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


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
            raise ModelFileError(_(
                "{where} is not a tlgui project: tlgui never writes zip64 archives."
            ).format(where=where))
    if disk or directory_disk or entries_here != entries:
        raise ModelFileError(_(
            "{where} is not a tlgui project: it is one part of a multi-part zip."
        ).format(where=where))
    if entries > _MAX_ENTRIES:
        most = _MAX_ENTRIES
        raise ModelFileError(_(
            "{where} is not a tlgui project: it holds {entries} entries, a project at most {most}."
        ).format(where=where, entries=entries, most=most))
    if directory_size > entries * _MAX_ENTRY_BYTES:
        raise ModelFileError(_(
            "{where} is not a tlgui project: its zip directory is {directory_size:,} bytes long."
        ).format(where=where, directory_size=directory_size))
    handle.seek(0)


def _checked_members(archive: zipfile.ZipFile, where: str) -> dict[str, zipfile.ZipInfo]:
    """The directory's entries by name, after checking every one before anything is inflated."""
    infos = archive.infolist()
    names = [info.orig_filename for info in infos]
    if PROJECT_JSON not in names:
        raise ModelFileError(_(
            "{where} is not a tlgui project (it has no {project_json})."
        ).format(where=where, project_json=PROJECT_JSON))
    seen: set[str] = set()
    for info in infos:
        name = info.orig_filename
        if _member_rule(name) is None or info.filename != name:
            shown = repr(name[:80])
            raise ModelFileError(_(
                "{where} is not a tlgui project: it holds {shown}, which tlgui never writes."
            ).format(where=where, shown=shown))
        if name in seen:
            raise ModelFileError(_(
                "{where} is damaged or forged: it holds {name} more than once."
            ).format(where=where, name=name))
        seen.add(name)
        _check_member(info, where)
    models = [info for info in infos if _is_model(info.orig_filename)]
    if len(models) > MAX_KEPT_MODELS:
        raise ModelFileError(_(
            "{where} is damaged or hostile: it holds {count} models, a project at most {kept_models}."
        ).format(where=where, count=len(models), kept_models=MAX_KEPT_MODELS))
    declared = sum(info.file_size for info in models)
    if declared > MAX_TOTAL_MODEL_BYTES:
        raise ModelFileError(_(
            "{where} is damaged or hostile: its models claim {declared:,} bytes, more than the "
            "{total_model_bytes:,} a project may hold."
        ).format(where=where, declared=declared, total_model_bytes=MAX_TOTAL_MODEL_BYTES))
    return {info.orig_filename: info for info in infos}


def _check_member(info: zipfile.ZipInfo, where: str) -> None:
    name, declared, packed = info.orig_filename, info.file_size, info.compress_size
    cap, compressions = _member_rule(name)
    if info.flag_bits & 0x1:
        raise ModelFileError(_(
            "{where} is not a tlgui project: its {name} is encrypted."
        ).format(where=where, name=name))
    if info.compress_type not in compressions:
        raise ModelFileError(_(
            "{where} is not a tlgui project: its {name} is compressed as tlgui never does."
        ).format(where=where, name=name))
    if declared > cap:
        raise ModelFileError(
            _(
                "{where} is damaged or hostile: its {name} claims {declared:,} bytes, more than the "
                "{cap:,} it may hold."
            ).format(where=where, name=name, declared=declared, cap=cap)
        )
    stored_but_resized = info.compress_type == zipfile.ZIP_STORED and packed != declared
    if stored_but_resized or (declared > _RATIO_CHECKED_ABOVE and declared > _MAX_RATIO * packed):
        raise ModelFileError(
            _(
                "{where} is damaged or hostile: its {name} would inflate {packed:,} bytes to "
                "{declared:,}."
            ).format(where=where, name=name, packed=packed, declared=declared)
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    """The member's bytes; zipfile stops inflating at the (capped) declared size and checks the CRC."""
    name = info.orig_filename
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size)
            overrun = stream.read(1)
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        # BadZipFile covers CRC mismatches, i.e. a member whose bytes changed after writing.
        raise ModelFileError(_(
            "{where} is damaged: {name} cannot be read ({exc})."
        ).format(where=where, name=name, exc=exc)) from exc
    if len(data) != info.file_size or overrun:
        raise ModelFileError(_(
            "{where} is damaged: {name} cannot be read (it is not the size it says)."
        ).format(where=where, name=name))
    return data


# ---- project.json -------------------------------------------------------------------------------
def _project_from_text(data: bytes, where: str, folder: Path) -> tuple[Project, dict]:
    """The project described by ``project.json`` (no runs yet), and the document for its runs."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(_(
            "{where} is damaged: its {project_json} is not UTF-8 text."
        ).format(where=where, project_json=PROJECT_JSON)) from None
    try:
        document = loads_json_limited(text, where=where)
    except FileLimitError as exc:
        raise ModelFileError(str(exc)) from None
    if not isinstance(document, dict) or document.get("format") != PROJECT_FORMAT_NAME:
        raise ModelFileError(_(
            "{where} is not a tlgui project (unknown format)."
        ).format(where=where))
    check_format_version(document, where, kind=N_("project"), supported=PROJECT_FORMAT_VERSION)
    return _project_from_document(document, where, folder), document


def _project_from_document(document: dict, where: str, folder: Path) -> Project:
    backbone_id = document.get("backbone_id")
    if not isinstance(backbone_id, str) or not 0 < len(backbone_id) <= _MAX_BACKBONE_ID_CHARS:
        raise ModelFileError(_(
            "{where} is damaged: the backbone it names is missing or invalid."
        ).format(where=where))
    dataset = _dataset(document.get("dataset"), where, folder)
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
    return Project(dataset, backbone_id, config)


def _dataset(data: object, where: str, folder: Path) -> DataSet:
    try:
        return DataSet.from_dict(data, relative_to=folder)  # type: ignore[arg-type]
    except DataError as exc:
        reason = str(exc).rstrip(".")
        raise ModelFileError(_(
            "{where} is damaged: {lower}{reason}."
        ).format(where=where, lower=reason[:1].lower(), reason=reason[1:])) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # DataSet.from_dict turns what it recognises into DataError; this is the rest of the damage.
        kind = exc.__class__.__name__
        raise ModelFileError(_(
            "{where} is damaged: its class list cannot be read ({kind})."
        ).format(where=where, kind=kind)) from None


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
    return _("{where} is not a tlgui project or it is damaged (not a readable zip).").format(where=where)


def _bad_settings(where: str, reason: str) -> str:
    return _("{where} is damaged: its settings cannot be read ({reason}).").format(where=where, reason=reason)
