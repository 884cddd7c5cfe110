"""The open project, held once for every page of the window.

``ProjectController`` owns the state the pages share (the class bins, the chosen backbone, the
training settings, the trained classifier, where the project lives on disk, whether it has unsaved
changes) and announces every change through Qt signals. Pages read the attributes and call the
setters; they never talk to each other. It holds no engine logic: building networks, training,
scanning folders all happen in the pages' background tasks, which hand their results back here.

Conventions for pages:

* Change the dataset in place through the ``DataSet`` methods, then call
  ``notify_dataset_changed()`` (emits ``datasetChanged`` and marks the project dirty).
* The freeze state is part of ``config`` (``freeze_level``, ``trainable_overrides``): change it with
  ``set_config``; ``tlgui.core.plan.freeze_plan`` turns it into what trains.
* Replace whole values with the ``set_*`` methods; each emits its signal and marks the project dirty
  when the value is part of the saved project.
* Show problems with ``report_error(message)``; the main window turns ``errorRaised`` into a dialog.
* ``load_project`` and ``save_project`` raise ``TlguiError`` / ``OSError``; callers show them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE
from tlgui.core.data.bins import DataSet
from tlgui.core.files.versions import PROJECT_SUFFIX, with_suffix
from tlgui.core.project import Project
from tlgui.core.project import load_project as _load_project_file
from tlgui.core.project import save_project as _save_project_file
from tlgui.core.training.config import TrainConfig

if TYPE_CHECKING:
    from tlgui.core.backbones.staged import StagedNetwork
    from tlgui.core.models.classifier import Classifier
    from tlgui.core.training.trainer import TrainResult

class ProjectController(QObject):
    """Holds the open project and emits a signal for every change.

    Attributes (read freely, change through the methods):
        dataset: the class bins.
        backbone_id: catalogue id of the chosen backbone.
        network: the backbone built for ``backbone_id`` (with freeze state), or None until built.
        config: training settings, the freeze level and hand-set layers included.
        classifier: the trained (or opened) classifier, or None.
        last_result: the last training run's result (history, report), or None.
        path: where the project is saved, or None for a new, unsaved project.
        dirty: True when there are unsaved changes.
    """

    datasetChanged = Signal()
    backboneChanged = Signal(str)
    networkChanged = Signal()  # freeze state changed or network replaced
    configChanged = Signal()
    classifierChanged = Signal()
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
        self.classifier: Classifier | None = None
        self.last_result: TrainResult | None = None
        self.path: Path | None = None
        self.dirty: bool = False

    # -- naming ---------------------------------------------------------------------------------

    @property
    def project_name(self) -> str:
        """The file name without suffix, or "Untitled" for a project never saved."""
        return self.path.stem if self.path is not None else "Untitled"

    # -- dirty state ----------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        """Record that the project has unsaved changes."""
        self._set_dirty(True)

    def mark_clean(self) -> None:
        """Record that nothing needs saving (e.g. the user chose to discard the changes)."""
        self._set_dirty(False)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self.dirty:
            self.dirty = dirty
            self.dirtyChanged.emit(dirty)

    # -- changes --------------------------------------------------------------------------------

    def notify_dataset_changed(self) -> None:
        """Call after changing ``dataset`` in place."""
        self.datasetChanged.emit()
        self.mark_dirty()

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

    def set_training_result(self, result: TrainResult) -> None:
        """Keep a finished training run: its classifier becomes the project's classifier."""
        self.last_result = result
        self.classifier = result.classifier
        self.classifierChanged.emit()
        self.mark_dirty()

    def set_classifier(self, classifier: Classifier | None) -> None:
        """Use a classifier that did not come from training here (e.g. an opened model file)."""
        self.classifier = classifier
        # A previous run's history and report describe another classifier.
        self.last_result = None
        self.classifierChanged.emit()
        self.mark_dirty()

    # -- whole projects -------------------------------------------------------------------------

    def new_project(self, dataset: DataSet | None = None) -> None:
        """Start over with empty (or the given) bins and default settings; nothing unsaved yet."""
        self._install(
            dataset=dataset if dataset is not None else DataSet(),
            backbone_id=DEFAULT_BACKBONE,
            config=TrainConfig(),
            classifier=None,
            path=None,
        )
        self.statusMessage.emit("New project.")

    def load_project(self, path: Path | str) -> None:
        """Open a project file. Raises ``TlguiError`` (e.g. ModelFileError) or ``OSError``."""
        path = Path(path)
        project = _load_project_file(path)
        self._install(
            dataset=project.dataset,
            backbone_id=project.backbone_id,
            config=project.config,
            classifier=project.classifier,
            path=path,
        )
        self.statusMessage.emit(f"Opened {path}.")

    def save_project(self, path: Path | str | None = None) -> Path:
        """Write the project (atomically) to ``path`` or to where it was last saved; returns the path.

        Raises ``ValueError`` when there is no path yet, ``TlguiError`` / ``OSError`` when writing fails.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("The project has no file yet; give a path.")
        target = with_suffix(target, PROJECT_SUFFIX)
        project = Project(
            dataset=self.dataset,
            backbone_id=self.backbone_id,
            config=self.config,
            classifier=self.classifier,
        )
        _save_project_file(project, target)
        if target != self.path:
            self.path = target
            self.pathChanged.emit(target)
        self._set_dirty(False)
        self.statusMessage.emit(f"Saved {target}.")
        return target

    def _install(self, *, dataset: DataSet, backbone_id: str, config: TrainConfig,
                 classifier: Classifier | None, path: Path | None) -> None:
        """Replace the whole state, then announce every part of it once."""
        self.dataset = dataset
        self.backbone_id = backbone_id
        self.network = None
        self.config = config
        self.classifier = classifier
        self.last_result = None
        self.path = path
        self.datasetChanged.emit()
        self.backboneChanged.emit(backbone_id)
        self.networkChanged.emit()
        self.configChanged.emit()
        self.classifierChanged.emit()
        self.pathChanged.emit(path)
        # Emit even when already clean: the title and actions depend on it after a switch of project.
        self.dirty = False
        self.dirtyChanged.emit(False)

    # -- messages -------------------------------------------------------------------------------

    def report_error(self, message: str) -> None:
        """Show a problem to the user (the main window turns this into a dialog)."""
        self.errorRaised.emit(message)

    def show_status(self, message: str) -> None:
        """Put a short message in the status bar."""
        self.statusMessage.emit(message)
