"""The Model page: choose a backbone, load it off the GUI thread, and set what trains.

Top half: the backbone catalogue, a download progress bar with Cancel, and (when weights cannot be
had offline) what to do about it, with an "Import weights file…" button beside the words. Bottom half: the freeze dial
with the recommendation for the current photos, and the layer tree with a Trainable box per module.

The freeze state lives in the settings (``TrainConfig.freeze_level`` and ``trainable_overrides``);
the dial and the boxes only change those, and the page shows the engine's ``FreezePlan`` for them,
applied to the controller's ``network`` so the tree can show it. That network is the pristine
backbone (ImageNet head and all); the tree and the counts show the new head training will put on.
The trainer deep-copies the network and makes its own plan from the same settings, so nothing here
needs undoing after a run. The Train page hands a run this very network (the copy is made on the
worker thread) and the page stays editable meanwhile: here only ``requires_grad`` flags change in
place or a new network is installed. Never change its weights or layers in place.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.backbones.catalogue import (
    BackboneSpec,
    create_backbone,
    get_spec,
    import_weights,
    weights_status,
)
from tlgui.core.errors import WeightsUnavailableError
from tlgui.core.plan.freeze_plan import FreezePlan, ignored_note, plan_for_dataset, with_override
from tlgui.core.plan.freezing import freeze_level_names, layer_tree
from tlgui.gui.pages.model.backbone_picker import BackbonePicker
from tlgui.gui.pages.model.freeze_control import FreezeControl
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.layer_tree import LayerTreeModel, LayerTreeView
from tlgui.gui.widgets.plain_text import make_plain
from tlgui.gui.widgets.progress_panel import ProgressPanel


class _Unavailable:
    """The load job's result when the weights are not on this computer (shown, not raised)."""

    def __init__(self, error: WeightsUnavailableError):
        self.error = error


def unavailable_html(spec: BackboneSpec, error: WeightsUnavailableError) -> str:
    """What to do when a backbone's weights cannot be downloaded, for this page: the file as a link
    (its name as the link text, so a long address is never broken mid-line), the button beside."""
    reason = error.reason or QCoreApplication.translate("ModelPage", "the download failed")
    size = f" ({spec.download_mb:.0f} MB)" if spec.download_mb else ""
    name = html.escape(error.filename or QCoreApplication.translate("ModelPage", "the weights file"))
    link = f"<a href='{html.escape(error.url, quote=True)}'>{name}</a>" if error.url else name
    folder = QCoreApplication.translate("ModelPage", " Or copy it into {folder}.").format(folder=html.escape(str(error.target_dir))) \
        if error.target_dir else ""
    return QCoreApplication.translate(
        "ModelPage",
        "<b>{title} needs its pretrained weights, which are not on this computer.</b> "
        "They could not be downloaded: {reason}.<br>"
        "On a computer with internet access, download {link}{size}, bring the file here, and click "
        "<b>Import weights file…</b> beside this message.{folder}"
    ).format(title=html.escape(spec.title), reason=html.escape(reason), link=link, size=size, folder=folder)


class ModelPage(QWidget):
    """Backbone picker, loading with progress, freeze dial, recommendation and layer tree.

    ``networkLoaded(backbone_id)`` fires once a loaded backbone is installed on the controller.
    """

    networkLoaded = Signal(str)

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.slot = TaskSlot(self)
        self.slot.progress.connect(lambda event: self.progress.follow(event))
        self.slot.failed.connect(self._on_failed)
        self.slot.cancelled.connect(lambda: self.controller.show_status(self.tr("Loading stopped.")))
        self.slot.done.connect(self._on_done)
        self._loading_id: str | None = None
        self._queued_id: str | None = None
        self._shown_net = None
        self._import_id: str | None = None
        self._importing = False
        self._queued_import: tuple[str, Path] | None = None

        self.picker = BackbonePicker()
        self.picker.backboneChosen.connect(self.load_backbone)
        self.progress = ProgressPanel()
        self.progress.cancelRequested.connect(self.cancel_loading)
        self.banner = _Banner()
        self.banner.import_button.clicked.connect(self._ask_weights_file)
        self.freeze = FreezeControl()
        self.freeze.levelChosen.connect(self.set_level)
        self.freeze.applyRecommendation.connect(self.apply_recommendation)
        self.tree_model = LayerTreeModel(self)
        self.tree_model.trainableToggled.connect(self.set_trainable)
        self.tree = LayerTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.installEventFilter(self)
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.tree_stack = QStackedWidget()
        self.tree_stack.addWidget(self.placeholder)
        self.tree_stack.addWidget(self.tree)
        self._build_layout()

        controller.backboneChanged.connect(self._on_backbone_changed)
        controller.networkChanged.connect(self._on_network_changed)
        controller.datasetChanged.connect(self._show_plan)
        controller.configChanged.connect(self._show_plan)
        self.picker.set_current(controller.backbone_id)
        self._on_network_changed()

    def _build_layout(self) -> None:
        top = QGroupBox(self.tr("Backbone"))
        top_layout = QVBoxLayout(top)
        top_layout.addWidget(self.picker, 1)
        top_layout.addWidget(self.progress)
        bottom = QGroupBox(self.tr("What to train"))
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.addWidget(self.freeze)
        bottom_layout.addWidget(self.tree_stack, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        # Above both halves, not inside the list's half: the message takes its lines from the whole
        # page instead of squeezing the list of backbones.
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

    # -- loading --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.slot.busy

    def load_backbone(self, backbone_id: str) -> None:
        """Build ``backbone_id`` in the background; a download shows its progress and can be cancelled."""
        if self.slot.busy:
            if backbone_id != self._loading_id:
                # Start the newer choice once the running load has stopped.
                self._queued_id = backbone_id
                self.slot.cancel()
            return
        self.banner.hide_message()
        self._loading_id = backbone_id
        self._importing = False
        title = get_spec(backbone_id).title
        self.progress.start(self.tr("Loading {name}…").format(name=title))

        def job(token, report):
            try:
                return create_backbone(backbone_id, progress=lambda e: report("progress", e), cancel=token)
            except WeightsUnavailableError as exc:
                return _Unavailable(exc)

        self.slot.start(job, self._on_loaded)

    def cancel_loading(self) -> None:
        self._queued_id = None
        self._queued_import = None
        self.slot.cancel()

    def shutdown(self) -> None:
        """Stop any load (window closing); nothing queued starts after it."""
        self._queued_id = None
        self._queued_import = None
        self.slot.shutdown()

    def ensure_loaded(self) -> None:
        """Load the project's backbone if none is loaded and it needs no download."""
        if self.controller.network is None and not self.slot.busy:
            if weights_status(self.controller.backbone_id) != "missing":
                self.load_backbone(self.controller.backbone_id)
            else:
                self._show_placeholder()

    def _on_loaded(self, result) -> None:
        backbone_id = self._loading_id
        if isinstance(result, _Unavailable):
            self.banner.show_rich(unavailable_html(get_spec(backbone_id), result.error), can_import=True)
            self._import_id = backbone_id
            return
        if backbone_id != self.controller.backbone_id:
            self.controller.set_backbone(backbone_id)  # drops the old network and its overrides
        self.controller.set_network(result)  # the page applies the plan as it shows the network
        self.picker.refresh()
        self.picker.set_current(backbone_id)
        self.controller.show_status(self.tr("{name} is ready.").format(name=get_spec(backbone_id).title))
        self.networkLoaded.emit(backbone_id)

    def _on_failed(self, message: str, _details: str) -> None:
        # A rejected weights file leaves the import button there, to pick the right file next.
        self.banner.show_message(message, can_import=self._importing)
        self.controller.report_error(message)

    def _on_done(self) -> None:
        self.progress.finish()
        queued, self._queued_id = self._queued_id, None
        queued_import, self._queued_import = self._queued_import, None
        if queued_import is not None:
            self.import_weights_file(*queued_import)
        elif queued is not None:
            self.load_backbone(queued)
        elif self.controller.network is None:
            self._show_placeholder()

    # -- importing weights ------------------------------------------------------------------------

    def _ask_weights_file(self) -> None:
        backbone_id = self._import_id or self.picker.selected_id() or self.controller.backbone_id
        title = get_spec(backbone_id).title
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import weights for {name}").format(name=title), "",
            self.tr("Weights (*.pth *.pt *.safetensors);;All files (*)")
        )
        if path:
            self.import_weights_file(backbone_id, Path(path))

    def import_weights_file(self, backbone_id: str, path: Path) -> None:
        """Check and cache a weights file the user brought, then load the backbone from it.

        A backbone still loading is stopped first; the import starts once it has.
        """
        if self.slot.busy:
            self._queued_import = (backbone_id, path)
            self._queued_id = None
            self.slot.cancel()
            self.progress.show_fraction(None, self.tr("Stopping the current load to import {name}…").format(name=path.name))
            return
        self.banner.hide_message()
        self._loading_id = backbone_id
        self._import_id = backbone_id
        self._importing = True
        self.progress.start(self.tr("Checking {name}…").format(name=path.name))
        self.slot.start(lambda token, report: import_weights(backbone_id, path), self._on_imported)

    def _on_imported(self, _cached_path) -> None:
        self.picker.refresh()
        # Load once this task's thread has ended (load_backbone refuses while a task runs).
        self._queued_id = self._loading_id

    # -- freeze state ---------------------------------------------------------------------------

    def plan(self) -> FreezePlan | None:
        """What trains under the project's settings, or None until a network is loaded."""
        net = self.controller.network
        if net is None:
            return None
        return plan_for_dataset(net, self.controller.dataset, self.controller.config)

    def set_level(self, level: int) -> None:
        """Train the head plus the last ``level`` stages; clears hand-set module choices."""
        if self.controller.network is None:
            return
        config = self.controller.config
        self.controller.set_config(replace(config, freeze_level=level, trainable_overrides={}))
        self.show_head()  # the dial trains the head plus the last stages: those are what to see

    def show_head(self) -> None:
        """Scroll the layer tree so that its last row, the new head with its parameter count, is in
        view, with the last stages (the first the dial makes trainable) above it."""
        head = self._head_index()
        if head is not None:
            self.tree.scrollTo(head, QAbstractItemView.ScrollHint.PositionAtBottom)

    def head_in_view(self) -> bool:
        """Whether the head's row is wholly inside the tree's visible part."""
        head = self._head_index()
        return head is not None and self.tree.viewport().rect().contains(self.tree.visualRect(head))

    def _head_index(self):
        rows = self.tree_model.rowCount()
        return self.tree_model.index(rows - 1, 0) if rows else None

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        # A smaller window must not push the head out of sight: once the tree has its new size,
        # the head that was in view is brought back (the tree keeps the top row, not the bottom).
        if watched is self.tree and event.type() == QEvent.Type.Resize and self.head_in_view():
            QTimer.singleShot(0, self.show_head)
        return super().eventFilter(watched, event)

    def apply_recommendation(self) -> None:
        plan = self.plan()
        if plan is not None and plan.recommendation is not None:
            level = plan.recommendation.level
            self.set_level(level)
            name = freeze_level_names(self.controller.network)[level]
            self.controller.show_status(self.tr("Applied the recommendation: {name}.").format(name=name))

    def set_trainable(self, path: str, trainable: bool) -> None:
        """One module's box was clicked in the tree: remember it as an override of the settings.

        Following the recommendation, the level it was set against is kept from now on: new photos
        moving the recommendation would otherwise shift the stages under the hand-set choice.
        """
        plan = self.plan()
        if plan is None:
            return
        config = self.controller.config
        overrides = with_override(config.trainable_overrides, path, trainable)
        self.controller.set_config(replace(config, freeze_level=plan.level, trainable_overrides=overrides))

    # -- reacting to the controller -------------------------------------------------------------

    def _on_backbone_changed(self, backbone_id: str) -> None:
        self.picker.set_current(backbone_id)
        if self.isVisible() and not self.slot.busy:
            self.ensure_loaded()

    def _on_network_changed(self) -> None:
        net = self.controller.network
        if net is None:
            self._shown_net = None
            self.tree_model.set_tree(None)
            self.freeze.set_levels([])
            self._show_placeholder()
            return
        if net is not self._shown_net:
            self.freeze.set_levels(freeze_level_names(net))
            self.tree_stack.setCurrentWidget(self.tree)
        self._show_plan()  # builds the tree for a new network

    def _show_plan(self) -> None:
        """Apply the plan for the current settings and photos to the network, and show it."""
        plan = self.plan()
        if plan is None:
            return
        net = self.controller.network
        plan.apply(net)
        tree = layer_tree(net, len(self.controller.dataset.class_names))
        if net is not self._shown_net:
            self._shown_net = net
            self.tree_model.set_tree(tree)
            self.tree.expandToDepth(-1)  # stages only; modules open on demand
            self.show_head()
        else:
            self.tree_model.refresh(tree)
        self.freeze.set_level(plan.level)
        self.freeze.set_counts(plan.trainable, plan.total)
        if plan.recommendation is None:
            self.freeze.set_recommendation(None, self.tr("Add photos to your classes to get a recommendation."))
        else:
            self.freeze.set_recommendation(plan.recommendation.level, plan.recommendation.reason)
        self.freeze.set_note(ignored_note(plan.ignored))

    def _show_placeholder(self) -> None:
        if self.slot.busy:
            text = self.tr("Loading the backbone…")
        else:
            text = self.tr("Choose a backbone above and press “Use selected backbone” to see its layers.")
        self.placeholder.setText(text)
        self.tree_stack.setCurrentWidget(self.placeholder)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.ensure_loaded()


class _Banner(QFrame):
    """Why weights are unavailable (or loading failed), with the way out beside it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("weightsBanner")
        self.setStyleSheet("#weightsBanner { background: rgba(230, 126, 34, 36); "
                           "border: 1px solid rgba(230, 126, 34, 150); border-radius: 4px; }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setOpenExternalLinks(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.import_button = QPushButton(self.tr("Import weights file…"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self._plain = ""
        self.setVisible(False)

    def show_message(self, text: str, *, can_import: bool) -> None:
        """Show ``text`` literally (an engine message may name the user's file)."""
        make_plain(self.label).setText(text)
        self._show(text, can_import)

    def show_rich(self, markup: str, *, can_import: bool) -> None:
        """Show ``markup`` (built with every name escaped) with its links."""
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setText(markup)
        self._show(QTextDocumentFragment.fromHtml(markup).toPlainText(), can_import)

    def _show(self, plain: str, can_import: bool) -> None:
        self._plain = plain
        self.import_button.setVisible(can_import)
        self.setVisible(True)

    def hide_message(self) -> None:
        self.setVisible(False)

    def text(self) -> str:
        """The message as plain text."""
        return self._plain
