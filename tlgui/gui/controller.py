"""The open project, held once for every page of the window.

``ProjectController`` owns the state the pages share (the class bins, the chosen backbone, the
training settings, the project's training runs and the one in use, where the project lives on disk,
whether it has unsaved changes) and announces every change through Qt signals. Pages read the attributes and call the
setters; they never talk to each other. It holds no engine logic: building networks, training,
scanning folders all happen in the pages' background tasks, which hand their results back here.

Conventions for pages:

* Change the dataset in place through the ``DataSet`` methods, then call
  ``notify_dataset_changed()`` (emits ``datasetChanged`` and marks the project dirty). The Data
  page's edits go through ``undo_stack`` instead (see ``pages.data.undo``), whose clean state says
  whether they are saved; a change made any other way clears the stack.
* The freeze state is part of ``config`` (``freeze_level``, ``trainable_overrides``): change it with
  ``set_config``; ``tlgui.core.plan.freeze_plan`` turns it into what trains.
* Replace whole values with the ``set_*`` methods; each emits its signal and marks the project dirty
  when the value is part of the saved project.
* Runs live in ``runs`` (``tlgui.core.training.runs.RunHistory``, which owns their rules); change
  them with ``set_training_result``, ``use_run``, ``rename_run``, ``delete_run`` and
  ``set_keep_model``. ``classifier`` is the model of the run in use: Classify and Export use it.
* Missing photos the user locates are taken with ``find_photos_in``: the bins' and the runs' paths
  change together.
* A run training is followed from ``start_run`` on (``add_run_epoch``, ``offer_early_model``) until
  ``set_training_result`` keeps it, or ``keep_run_so_far`` keeps what it has made when it cannot
  end here. Meanwhile ``save_project`` saves it as far as it has come (marked interrupted); the
  project is unsaved again once the run has something new to keep (its first model, its end).
* ``projectReplaced`` comes first when another project (new or opened) replaces the open one: a
  page drops whatever it shows of the old project then (messages, selections).
* Show problems with ``report_error(message)``; the main window turns ``errorRaised`` into a dialog.
* ``load_project`` and ``save_project`` raise ``TlguiError`` / ``OSError``; callers show them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from tlgui.core.backbones.bundled import DEFAULT_BACKBONE
from tlgui.core.data.bins import DataSet
from tlgui.core.files.versions import PROJECT_SUFFIX, with_suffix
from tlgui.core.training.config import TrainConfig

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork
    from tlgui.core.files.stamps import FileStamp
    from tlgui.core.models.classifier import Classifier
    from tlgui.core.project import PreparedSave, Project
    from tlgui.core.training.results import BestSoFar
    from tlgui.core.training.runs import Run, RunAdded, RunHistory, RunInProgress
    from tlgui.core.training.summary import EpochStats
    from tlgui.core.training.trainer import TrainResult

# Edits of the bins that Edit > Undo can take back.
UNDO_LIMIT = 200


# The project file's module (zip, JSON, its checks) is imported when a file is opened or saved: the
# window's first paint does not wait for it.
def _load_project_file(path: Path) -> Project:
    from tlgui.core.project import load_project

    return load_project(path)


def _prepare_project_save(target: Path, opened_as: FileStamp | None, **parts) -> PreparedSave:
    from tlgui.core.project import Project, prepare_save

    return prepare_save(Project(**parts), target, opened_as=opened_as)


def _new_run_in_progress() -> RunInProgress:
    # The runs' module is imported with the first run, not before the window's first paint.
    from tlgui.core.training.runs import RunInProgress

    return RunInProgress()


@dataclass(frozen=True)
class ProjectSave:
    """A save begun by ``ProjectController.begin_save``: what to write, and how many changes the
    project had seen, and which project it was, when it was taken."""

    prepared: PreparedSave
    changes: int
    project_number: int


class ProjectController(QObject):
    """Holds the open project and emits a signal for every change.

    Attributes (read freely, change through the methods):
        dataset: the class bins.
        backbone_id: catalogue id of the chosen backbone.
        network: the backbone built for ``backbone_id`` (with freeze state), or None until built.
        config: training settings, the freeze level and hand-set layers included.
        runs: every training run of the project, and which one is in use.
        classifier: the model of the run in use (read-only), or None.
        last_result: what the last run trained in this window returned (None once another project
            is opened), for the Train page's curves.
        path: where the project is saved, or None for a new, unsaved project.
        dirty: True when there are unsaved changes.
        undo_stack: the edits of the bins, for Edit > Undo / Redo.
    """

    datasetChanged = Signal()
    backboneChanged = Signal(str)
    networkChanged = Signal()  # freeze state changed or network replaced
    configChanged = Signal()
    classifierChanged = Signal()  # another run is in use (or none)
    runChosen = Signal()  # the user put a run in use (Results: Use this run), after classifierChanged
    runsChanged = Signal()  # a run was added, renamed, deleted or (un)marked to keep its model
    projectReplaced = Signal()  # a new or opened project replaced the open one
    dirtyChanged = Signal(bool)
    pathChanged = Signal(object)  # Path | None
    errorRaised = Signal(str)
    statusMessage = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.dataset: DataSet = DataSet()
        self.backbone_id: str = DEFAULT_BACKBONE
        self.network: StagedNetwork | None = None
        self.config: TrainConfig = TrainConfig()
        self._runs: RunHistory | None = None  # no runs yet: the history is made when first asked for
        # The run training now (what it has made so far), until it is kept in ``runs``.
        self._run_in_progress: RunInProgress | None = None
        self.last_result: TrainResult | None = None
        self.path: Path | None = None
        # Photos of the project opened last that were not at their paths when it was read (the Data
        # page offers to find them); 0 for a new project.
        self.photos_missing = 0
        # ``path`` as it was when opened or last saved here (a save checks nobody changed it since).
        self._file_stamp: FileStamp | None = None
        self.dirty: bool = False
        self._changed_outside_undo = False
        self._undo_clean = True
        # Counts every change to what a save writes: a save written in the background marks the
        # project clean only if nothing changed while it was being written.
        self._changes = 0
        # Counts the projects this controller has held (new or opened): a save finishing after its
        # project was replaced changes nothing of the one open now.
        self._project_number = 0
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self.undo_stack.cleanChanged.connect(self._on_undo_clean_changed)
        self.undo_stack.indexChanged.connect(self._count_change)

    def __del__(self, _is_valid=shiboken6.isValid, _current=threading.current_thread,
                _main=threading.main_thread) -> None:
        # (The functions are bound when the class is made: a controller that goes while the
        # interpreter exits finds this module's names already cleared to None.)
        # The undo stack owns the C++ halves of the Data page's edits, whose Python halves hold the
        # Python state. When this controller goes with a cycle collection (nothing parents it, as
        # in the tests), the collector may free those Python halves first and the stack then deletes
        # freed memory: a segfault in QUndoStack::clear, seen in one full test run in two. Emptied
        # here, while every object is whole (a cycle's finalizers all run before it is broken), each
        # edit is deleted once. Only on the GUI thread, where the stack lives.
        stack = self.__dict__.get("undo_stack")
        if stack is not None and _is_valid(stack) and _current() is _main():
            stack.blockSignals(True)  # what it would say goes to pages that are going too
            stack.clear()

    @property
    def runs(self) -> RunHistory:
        """Every training run of the project, and which one is in use."""
        if self._runs is None:
            # Here, not with this module: the runs' module (and the summaries and metrics it reads)
            # would come before the window's first paint, which shows none of them.
            from tlgui.core.training.runs import RunHistory

            self._runs = RunHistory()
        return self._runs

    @property
    def classifier(self) -> Classifier | None:
        """What Classify and Export use: the model of the run in use; while a first run trains and
        no run is in use yet, the model it handed out early (its trained head)."""
        run = self.run_in_use
        if run is not None:
            return run.classifier
        return self._run_in_progress.classifier if self._run_in_progress is not None else None

    @property
    def run_in_use(self) -> Run | None:
        return self._runs.in_use if self._runs is not None else None

    @property
    def has_early_model(self) -> bool:
        """Whether the run training now has handed out its new head's model (what Classify and Export
        use while no run is in use)."""
        return self._run_in_progress is not None and self._run_in_progress.classifier is not None

    def photos_to_check_export_on(self) -> list[Path]:
        """Photos an ONNX export of the model in use is checked on (``project.export_check_photos``)."""
        from tlgui.core.project import export_check_photos  # here: the window's first paint needs none of it

        return export_check_photos(self.run_in_use, self.dataset, self.config)

    # -- naming ---------------------------------------------------------------------------------

    @property
    def project_name(self) -> str:
        """The file name without suffix, or "Untitled" for a project never saved."""
        return self.path.stem if self.path is not None else self.tr("Untitled")

    # -- dirty state ----------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        """Record that the project has unsaved changes."""
        self._changed_outside_undo = True
        self._count_change()
        self._update_dirty()

    def _count_change(self, *_index) -> None:
        self._changes += 1

    def mark_clean(self) -> None:
        """Record that nothing needs saving (e.g. the user chose to discard the changes)."""
        self._changed_outside_undo = False
        self.undo_stack.setClean()
        self._update_dirty()

    def _on_undo_clean_changed(self, clean: bool) -> None:
        self._undo_clean = clean
        self._update_dirty()

    def _update_dirty(self) -> None:
        # Undoing every edit of the bins made since the save leaves nothing unsaved, unless
        # something outside the stack (settings, a training run) changed too.
        dirty = self._changed_outside_undo or not self._undo_clean
        if dirty != self.dirty:
            self.dirty = dirty
            self.dirtyChanged.emit(dirty)

    # -- changes --------------------------------------------------------------------------------

    def notify_dataset_changed(self, *, undoable: bool = False) -> None:
        """Call after changing ``dataset`` in place.

        ``undoable``: the change is a command on ``undo_stack``, which then tracks whether it is
        saved. Any other change clears the stack: its commands would no longer fit the bins.
        """
        if not undoable:
            self._changed_outside_undo = True  # first: clearing the stack makes it "clean"
            self.undo_stack.clear()
        self._count_change()
        self.datasetChanged.emit()
        self._update_dirty()

    def find_photos_in(self, folder: Path) -> int:
        """The user points at ``folder``, where the missing photos are now: the bins and the runs
        take the paths they have there (``project.find_photos_in``). Returns how many were found."""
        from tlgui.core.project import find_photos_in  # here: the window's first paint needs none of it

        found = find_photos_in(self.dataset, self.runs, folder)
        if found:
            if len(self.runs):
                self.runsChanged.emit()
            self.notify_dataset_changed()  # not undoable: the stack's edits name the old paths
        return found

    def set_dataset(self, dataset: DataSet) -> None:
        """Replace the class bins with another DataSet."""
        self.dataset = dataset
        self.notify_dataset_changed()

    def set_backbone(self, backbone_id: str) -> None:
        """Choose another backbone. The old network no longer applies, so it is dropped."""
        if backbone_id == self.backbone_id:
            return
        self.backbone_id = backbone_id
        self.network = None
        self.backboneChanged.emit(backbone_id)
        self.networkChanged.emit()
        if self.config.trainable_overrides:
            # Hand-set freeze choices name modules of the old network; they mean nothing for the new one.
            self.set_config(replace(self.config, trainable_overrides={}))
        self.mark_dirty()

    def set_network(self, network: StagedNetwork | None) -> None:
        """Install the network built for ``backbone_id`` (not saved with the project)."""
        self.network = network
        self.networkChanged.emit()

    def notify_network_changed(self) -> None:
        """Call after changing the freeze state of ``network`` in place."""
        self.networkChanged.emit()
        self.mark_dirty()

    def set_config(self, config: TrainConfig) -> None:
        """Replace the training settings."""
        self.config = config
        self.configChanged.emit()
        self.mark_dirty()

    def start_run(self) -> None:
        """A training run starts: followed until it is kept (``set_training_result``,
        ``keep_run_so_far``), so that a save meanwhile keeps it as far as it has come."""
        self._run_in_progress = _new_run_in_progress()

    def add_run_epoch(self, stats: EpochStats) -> None:
        """An epoch the run training now has finished."""
        if self._run_in_progress is not None:
            self._run_in_progress.add_epoch(stats)

    def offer_early_model(self, head: TrainResult) -> bool:
        """The run training now has trained its new head: its first usable model, before the
        fine-tune ends (``head`` is the run as it would end now, the engine's ``on_head_result``).

        It is what Classify and Export use only while no run is in use: a run in use stays so until
        the new run is kept and the runs' rule decides. A save keeps it from now on, so the project
        has unsaved work. True when it is now the model in use.
        """
        if self._run_in_progress is None:
            self._run_in_progress = _new_run_in_progress()
        self._run_in_progress.set_head_result(head)
        self.mark_dirty()
        if self.runs.in_use is not None:
            return False
        self.classifierChanged.emit()
        return True

    def offer_best_so_far(self, best: BestSoFar) -> None:
        """The run training now has done better in its fine-tune than anything before: what a save,
        or a run that cannot end normally, keeps of it from now on (``RunInProgress.run``). Classify
        and Export go on with the head's model until the run ends."""
        if self._run_in_progress is not None:
            self._run_in_progress.set_best_so_far(best)
            self.mark_dirty()

    def keep_run_so_far(self) -> RunAdded | None:
        """The run training now ended without a result the project could take (the window gave up
        waiting for it to stop; it failed): keep what it had made so far as a run marked interrupted.
        None when it had no model yet, and nothing is kept."""
        progress, self._run_in_progress = self._run_in_progress, None
        run = progress.run(self.runs.next_id()) if progress is not None else None
        if run is None:
            return None
        previous = self.runs.in_use_id
        added = self.runs.add(run)
        self.last_result = None  # what the last run returned: this one returned nothing
        self.runsChanged.emit()
        if self.runs.in_use_id != previous:
            self.classifierChanged.emit()
        self.mark_dirty()
        return added

    def set_training_result(self, result: TrainResult) -> RunAdded:
        """Keep a finished (or stopped) training run in the project; the runs' rule says whether it
        goes in use. The returned ``RunAdded`` says what happened, in sentences too."""
        previous = self.runs.in_use_id
        self._run_in_progress = None
        added = self.runs.add_result(result)
        self.last_result = result
        self.runsChanged.emit()
        if self.runs.in_use_id != previous:
            self.classifierChanged.emit()
        self.mark_dirty()
        if sentences := added.sentences():
            self.statusMessage.emit(sentences)
        return added

    def use_run(self, run_id: int) -> None:
        """Put a run in use for Classify and Export. Raises ``TlguiError`` when it has no model."""
        if self.runs.in_use_id == run_id:
            return
        run = self.runs.use(run_id)
        self.runsChanged.emit()
        self.classifierChanged.emit()
        self.runChosen.emit()
        self.mark_dirty()
        self.statusMessage.emit(self.tr("Classify and Export now use “{name}”.").format(name=run.title))

    def rename_run(self, run_id: int, name: str) -> None:
        """Rename a run. Raises ``TlguiError`` when the name cannot be one."""
        if self.runs.get(run_id).name == name:
            return
        self.runs.rename(run_id, name)
        self.runsChanged.emit()
        self.mark_dirty()

    def delete_run(self, run_id: int) -> None:
        """Remove a run and its model from the project (the run in use too: then none is)."""
        was_in_use = self.runs.in_use_id == run_id
        run = self.runs.delete(run_id)
        self.runsChanged.emit()
        if was_in_use:
            self.classifierChanged.emit()
        self.mark_dirty()
        now = ""
        if was_in_use:
            now = self.tr(" Classify and Export use the new head of the run now training.") if self.has_early_model \
                else self.tr(" No run is in use now.")
        self.statusMessage.emit(self.tr("Deleted “{name}”.").format(name=run.title) + now)

    def set_keep_model(self, run_id: int, keep: bool) -> None:
        """Mark a run's model to be kept whatever runs come next. Raises ``TlguiError`` beyond the bound."""
        if self.runs.get(run_id).keep_model == keep:
            return
        self.runs.set_keep_model(run_id, keep)
        self.runsChanged.emit()
        self.mark_dirty()

    # -- whole projects -------------------------------------------------------------------------

    def new_project(self, dataset: DataSet | None = None) -> None:
        """Start over with empty (or the given) bins and default settings; nothing unsaved yet."""
        self._file_stamp = None
        self.photos_missing = 0
        self._install(
            dataset=dataset if dataset is not None else DataSet(),
            backbone_id=DEFAULT_BACKBONE,
            config=TrainConfig(),
            runs=None,
            path=None,
        )
        self.statusMessage.emit(self.tr("New project."))

    def load_project(self, path: Path | str) -> None:
        """Open a project file. Raises ``TlguiError`` (e.g. ModelFileError) or ``OSError``."""
        path = Path(path)
        self.install_project(_load_project_file(path), path)

    def install_project(self, project: Project, path: Path) -> None:
        """Make ``project``, read from ``path`` (here or on another thread), the open project; its
        file's stamp as read is what a later save checks nobody changed since."""
        self._file_stamp = project.opened_as
        self.photos_missing = project.photos_missing  # before the pages hear of the new project
        self._install(
            dataset=project.dataset,
            backbone_id=project.backbone_id,
            config=project.config,
            runs=project.runs,
            path=path,
        )
        opened = self.tr("Opened {path}.").format(path=path)
        if project.photos_found_moved:
            opened += " " + self.tr("The project had moved: %n photo(s) were found again beside it.", "",
                                    project.photos_found_moved)
        if project.photos_missing:
            opened += " " + self.tr("%n photo(s) are not where the project says (moved or deleted).", "",
                                    project.photos_missing)
        self.statusMessage.emit(opened)

    def save_project(self, path: Path | str | None = None, *, replace_changed: bool = False) -> Path:
        """Write the project (atomically) to ``path`` or to where it was last saved; returns the path.

        Raises ``ValueError`` when there is no path yet, ``ProjectChangedError`` when the project's own
        file was changed elsewhere since it was opened or saved here (unless ``replace_changed``),
        ``TlguiError`` / ``OSError`` when writing fails. (The window writes in the background:
        ``begin_save``, its ``write`` on another thread, then ``finish_save``.)
        """
        save = self.begin_save(path, replace_changed=replace_changed)
        return self.finish_save(save, save.prepared.write())

    def begin_save(self, path: Path | str | None = None, *, replace_changed: bool = False) -> ProjectSave:
        """The project as it stands, ready to be written to ``path`` (or where it was last saved) by
        ``save.prepared.write()`` on any thread; then ``finish_save``. Raises as ``save_project``
        does for what can be told before writing."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("The project has no file yet; give a path.")
        target = with_suffix(target, PROJECT_SUFFIX)
        # Only the project's own file: another one was chosen in a dialog that asked about replacing it.
        own_file = self.path is not None and target == with_suffix(self.path, PROJECT_SUFFIX)
        opened_as = self._file_stamp if own_file and not replace_changed else None
        # A run still training is saved as far as it has come; it replaces that record when it ends.
        runs = self.runs.with_run_so_far(self._run_in_progress) if self._run_in_progress is not None else self.runs
        prepared = _prepare_project_save(target, opened_as, dataset=self.dataset, backbone_id=self.backbone_id,
                                         config=self.config, runs=runs)
        return ProjectSave(prepared, self._changes, self._project_number)

    def finish_save(self, save: ProjectSave, written: FileStamp) -> Path:
        """``save`` was written, its file's stamp ``written``: that file is the project's now. The
        project is marked saved unless it changed while the file was written (a run's new best
        epoch, photos a scan added): those changes are still to be saved."""
        target = save.prepared.path
        if save.project_number != self._project_number:
            self.statusMessage.emit(self.tr("Saved {path}.").format(path=target))
            return target
        self._file_stamp = written
        if target != self.path:
            self.path = target
            self.pathChanged.emit(target)
        if self._changes == save.changes:
            self.mark_clean()
            self.statusMessage.emit(self.tr("Saved {path}.").format(path=target))
        else:
            self.statusMessage.emit(self.tr("Saved {path}; what changed while it was written is not saved yet.")
                                    .format(path=target))
        return target

    def _install(self, *, dataset: DataSet, backbone_id: str, config: TrainConfig,
                 runs: RunHistory | None, path: Path | None) -> None:
        """Replace the whole state, then announce every part of it once (``runs`` None: none yet)."""
        self.dataset = dataset
        self.backbone_id = backbone_id
        self.network = None
        self.config = config
        self._runs = runs
        self._run_in_progress = None
        self.last_result = None
        self.path = path
        self._project_number += 1
        self._count_change()
        self.projectReplaced.emit()
        self.undo_stack.clear()  # its edits were made to the bins just replaced
        self.datasetChanged.emit()
        self.backboneChanged.emit(backbone_id)
        self.networkChanged.emit()
        self.configChanged.emit()
        self.runsChanged.emit()
        self.classifierChanged.emit()
        self.pathChanged.emit(path)
        # Emit even when already clean: the title and actions depend on it after a switch of project.
        self._changed_outside_undo = False
        self.dirty = False
        self.dirtyChanged.emit(False)

    # -- messages -------------------------------------------------------------------------------

    def report_error(self, message: str) -> None:
        """Show a problem to the user (the main window turns this into a dialog)."""
        self.errorRaised.emit(message)

    def show_status(self, message: str) -> None:
        """Put a short message in the status bar."""
        self.statusMessage.emit(message)
