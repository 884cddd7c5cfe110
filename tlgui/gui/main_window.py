"""The main window: five tabs over one ProjectController, the File menu, and unsaved-change prompts.

The window owns no project state; it shows the controller's (title, modified marker, status) and
turns ``errorRaised`` into dialogs. Only the Data page is built with the window: each other page,
with its module, is built when it is first wanted (its tab opened, ``window.train_page`` read), or
by ``build_remaining_pages`` in idle turns once the window is on screen, so the first paint does not
wait for four pages nobody sees yet. A page reads the controller's state when it is built, so one
built late shows the project as it is. Pages may offer ``busy`` (a long job is running) and
``shutdown()`` (stop background work, for a bounded time); the window calls them on close, before
asking about unsaved changes, so that what a stopped job produced (a run's best epoch) is asked about
too. Closing never drops unsaved work silently: a failed save is a dialog and the window stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from tlgui.core.errors import TlguiError
from tlgui.core.files.versions import MODEL_SUFFIX, PROJECT_SUFFIX, with_suffix
from tlgui.gui.controller import ProjectController
from tlgui.gui.failed_saves import failed_save_message
from tlgui.gui.language import LanguageMenu
from tlgui.gui.pages.data.data_page import DataPage
from tlgui.gui.project_writer import ProjectWriter
from tlgui.gui.settings import app_settings
from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.plain_text import literal_html

if TYPE_CHECKING:  # imported with the page they build, when it is first wanted
    from tlgui.core.project import Project
    from tlgui.gui.about import AboutDialog
    from tlgui.gui.model_export import ModelExporter
    from tlgui.gui.pages.classify.classify_page import ClassifyPage
    from tlgui.gui.pages.model.model_page import ModelPage
    from tlgui.gui.pages.results.results_page import ResultsPage
    from tlgui.gui.pages.train.train_page import TrainPage

MAX_RECENT = 8
RECENT_KEY = "recent_projects"
GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
TAB_TITLES = (
    QT_TRANSLATE_NOOP("MainWindow", "1 · Data"), QT_TRANSLATE_NOOP("MainWindow", "2 · Model"),
    QT_TRANSLATE_NOOP("MainWindow", "3 · Train"), QT_TRANSLATE_NOOP("MainWindow", "4 · Results"),
    QT_TRANSLATE_NOOP("MainWindow", "5 · Classify"),
)
DATA, MODEL, TRAIN, RESULTS, CLASSIFY = range(len(TAB_TITLES))


class MainWindow(QMainWindow):
    """tlgui's window. ``recentChanged`` fires when the Open Recent list changes; ``pageBuilt(index)``
    when a page is built, ``allPagesBuilt`` once the last one is."""

    recentChanged = Signal()
    pageBuilt = Signal(int)
    allPagesBuilt = Signal()

    def __init__(self, controller: ProjectController | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller or ProjectController(self)
        self._exporter: ModelExporter | None = None
        self.project_reader = TaskSlot(self)  # File > Open's and the start-up's reads (read_project)
        self.project_writer = ProjectWriter(self)  # File > Save's writes (_save_to)
        # Closing was asked for while a save was being written: the window closes once it is.
        self._close_when_saved = False
        self._closing = False
        self.resize(1280, 800)
        self.setMinimumSize(900, 600)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        # A photo dragged from the Classify gallery over the Data tab opens it, to land in a class bin.
        self.tabs.tabBar().setChangeCurrentOnDrag(True)
        self.tabs.tabBar().setAcceptDrops(True)
        self._pages: list[QWidget | None] = [None] * len(TAB_TITLES)
        self._installing = False
        for title in TAB_TITLES:
            self.tabs.addTab(QWidget(), self.tr(title))  # an empty stand-in until the page is built
        self.data_page = self.page(DATA)  # the page shown first, built now
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)
        self.data_page.trainRequested.connect(lambda: self.tabs.setCurrentWidget(self.train_page))
        self.data_page.newProjectRequested.connect(self.new_project)

        self._build_menus()
        self.statusBar().showMessage(self.tr("Ready."), 3000)

        c = self.controller
        c.dirtyChanged.connect(self.setWindowModified)
        c.pathChanged.connect(lambda _path: self._update_title())
        c.errorRaised.connect(self.show_error)
        c.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 6000))
        c.classifierChanged.connect(self._update_actions)
        self._update_title()
        self._update_actions()
        self._restore_geometry()

    # -- pages -----------------------------------------------------------------------------------

    @property
    def model_page(self) -> ModelPage:
        return self.page(MODEL)

    @property
    def train_page(self) -> TrainPage:
        return self.page(TRAIN)

    @property
    def results_page(self) -> ResultsPage:
        return self.page(RESULTS)

    @property
    def classify_page(self) -> ClassifyPage:
        return self.page(CLASSIFY)

    @property
    def exporter(self) -> ModelExporter:
        """The one export path, for File > Export model and the Classify page (made when first used)."""
        if self._exporter is None:
            from tlgui.gui.model_export import ModelExporter

            self._exporter = ModelExporter(self.controller, self)
        return self._exporter

    def page(self, index: int) -> QWidget:
        """The page of tab ``index``, built (and put in its tab) if it was not yet."""
        page = self._pages[index]
        if page is None:
            page = self._pages[index] = self._build_page(index)
            self._install_page(index, page)
            self.pageBuilt.emit(index)
            if self.all_pages_built():
                self.allPagesBuilt.emit()
        return page

    def built_page(self, index: int) -> QWidget | None:
        """The page of tab ``index`` if it is built, else None (a page not built has no work going on)."""
        return self._pages[index]

    def built_pages(self) -> list[QWidget]:
        """The pages built so far, in tab order (only they can be busy or hold unsaved work)."""
        return [page for page in self._pages if page is not None]

    def all_pages_built(self) -> bool:
        return all(page is not None for page in self._pages)

    def build_remaining_pages(self) -> None:
        """Build the pages not built yet, one per turn of the event loop, so that the window keeps
        answering meanwhile; ``allPagesBuilt`` fires after the last (at once if none is left)."""
        if self.all_pages_built():
            self.allPagesBuilt.emit()
            return
        QTimer.singleShot(0, self, self._build_next_page)

    def _build_next_page(self) -> None:
        missing = [index for index, page in enumerate(self._pages) if page is None]
        if not missing:
            return  # built on demand meanwhile; allPagesBuilt has fired then
        self.page(missing[0])
        if len(missing) > 1:
            QTimer.singleShot(0, self, self._build_next_page)

    def _build_page(self, index: int) -> QWidget:
        # Each page's module is imported here: importing them all would come before the first paint.
        controller = self.controller
        if index == DATA:
            return DataPage(controller)
        if index == MODEL:
            from tlgui.gui.pages.model.model_page import ModelPage

            return ModelPage(controller)
        if index == TRAIN:
            from tlgui.gui.pages.train.train_page import TrainPage

            return TrainPage(controller)
        if index == RESULTS:
            from tlgui.gui.pages.results.results_page import ResultsPage

            return ResultsPage(controller)
        from tlgui.gui.pages.classify.classify_page import ClassifyPage

        return ClassifyPage(controller, exporter=self.exporter)

    def _install_page(self, index: int, page: QWidget) -> None:
        """Put ``page`` in place of its tab's stand-in, keeping the tab shown."""
        stand_in = self.tabs.widget(index)
        current = self.tabs.currentIndex()
        self._installing = True
        # The tab shown stays shown, so nobody outside sees the tabs move and no other page is shown
        # on the way: the stand-in is made not current before it goes.
        with QSignalBlocker(self.tabs):
            self.tabs.insertTab(index, page, self.tr(TAB_TITLES[index]))
            if current == index:
                self.tabs.setCurrentIndex(index)
            self.tabs.removeTab(index + 1)
        self._installing = False
        stand_in.deleteLater()

    def _on_tab_changed(self, index: int) -> None:
        if not self._installing and 0 <= index < len(self._pages):
            self.page(index)

    # -- menus -----------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.new_action = self._action(self.tr("&New"), self.new_project, QKeySequence.StandardKey.New)
        self.open_action = self._action(self.tr("&Open…"), self.open_project_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu(self.tr("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.save_action = self._action(self.tr("&Save"), self.save, QKeySequence.StandardKey.Save)
        self.save_as_action = self._action(self.tr("Save &As…"), self.save_as, QKeySequence.StandardKey.SaveAs)
        self.export_action = self._action(self.tr("&Export model…"), self.export_model, "Ctrl+E")
        self.open_model_action = self._action(self.tr("Open &model file…"), self.open_model_file)
        self.quit_action = self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        file_menu.insertAction(self.recent_menu.menuAction(), self.new_action)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        for action in (self.save_action, self.save_as_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.open_model_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._fill_recent_menu()

        edit_menu = self.menuBar().addMenu(self.tr("&Edit"))
        stack = self.controller.undo_stack
        self.undo_action = stack.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = stack.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        for action in (self.undo_action, self.redo_action):
            # Every undoable edit is one of the bins: show it happen.
            action.triggered.connect(lambda _checked=False: self.tabs.setCurrentWidget(self.data_page))
            edit_menu.addAction(action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.data_page.move_action)
        edit_menu.addAction(self.data_page.check_action)

        settings_menu = self.menuBar().addMenu(self.tr("&Settings"))
        settings_menu.addMenu(LanguageMenu(self))

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self._action(self.tr("&About tlgui"), self.about))

    def _project_filter(self) -> str:
        return self.tr("tlgui projects (*{suffix})").format(suffix=PROJECT_SUFFIX)

    def _action(self, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _update_actions(self) -> None:
        self.export_action.setEnabled(self.controller.classifier is not None)

    def _update_title(self) -> None:
        # Just the project: the window system adds the application's name (applicationDisplayName).
        self.setWindowTitle(f"{self.controller.project_name}[*]")
        self.setWindowModified(self.controller.dirty)

    # -- recent projects -------------------------------------------------------------------------

    def recent_projects(self) -> list[Path]:
        value = app_settings().value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        return [Path(p) for p in (value or [])]

    def _remember_recent(self, path: Path) -> None:
        path = path.resolve()
        recent = [p for p in self.recent_projects() if p != path]
        recent.insert(0, path)
        app_settings().setValue(RECENT_KEY, [str(p) for p in recent[:MAX_RECENT]])
        self.recentChanged.emit()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_projects()
        for path in recent:
            action = self.recent_menu.addAction(path.name.replace("&", "&&"))  # "&" would be a shortcut
            action.setToolTip(literal_html(str(path)))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_recent_project(p))
        if not recent:
            self.recent_menu.addAction(self.tr("No recent projects")).setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(self.tr("Clear list"), self._clear_recent)

    def _clear_recent(self) -> None:
        app_settings().remove(RECENT_KEY)
        self.recentChanged.emit()

    # -- project files ---------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Before losing the project: ask Save / Discard / Cancel. True when it is safe to go on."""
        if not self.controller.dirty:
            return True
        answer = QMessageBox.question(
            self,
            self.tr("Unsaved changes"),
            literal_html(self.tr("Save the changes to “{name}” before closing it?").format(
                name=self.controller.project_name)),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def stop_training_first(self) -> bool:
        """Before another project replaces this one: a run still training would land in the other
        project. Ask, stop it (its best epoch joins this project's runs; when it cannot stop in time,
        what it had made so far). True when none is left."""
        train_page = self.built_page(TRAIN)
        if train_page is None or not train_page.busy:
            return True
        if QMessageBox.question(
            self, self.tr("Training in progress"),
            self.tr("A run is still training. Stop it, keeping its best epoch in this project?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
        ) != QMessageBox.StandardButton.Yes:
            return False
        train_page.shutdown()
        return not train_page.busy

    def new_project(self) -> bool:
        if not self.stop_training_first() or not self.maybe_save():
            return False
        self.controller.new_project()
        self.tabs.setCurrentWidget(self.data_page)
        return True

    def open_project_dialog(self) -> bool:
        """File > Open: ask for a project and read it in the background; False if cancelled."""
        if not self.stop_training_first() or not self.maybe_save():
            return False
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open project"), self._start_dir(), self._project_filter())
        return self.read_project(Path(path)) if path else False

    def open_recent_project(self, path: Path) -> bool:
        """File > Open Recent: as File > Open, for ``path``."""
        if not self.stop_training_first() or not self.maybe_save():
            return False
        return self.read_project(path)

    def open_project(self, path: Path | str) -> bool:
        """Open ``path`` after offering to save the current project, reading it here and now; False
        if cancelled or it failed. (The window's own ways in read in the background: ``read_project``.)"""
        if not self.stop_training_first() or not self.maybe_save():
            return False
        return self._open(Path(path))

    def read_project(self, path: Path, *, if_unreadable: Callable[[], None] | None = None) -> bool:
        """Open ``path``, read off the GUI thread: its runs' models bring torch in, seconds on a first
        start, which the window must not freeze for. Until it is there the pages and menus are
        disabled. A file that cannot be read is reported; then ``if_unreadable`` runs (the start-up
        opens the demo), else the project open before stays. False while another read is under way."""
        def job(_token, _report) -> tuple[Project | None, Exception | None]:
            from tlgui.core.project import load_project
            from tlgui.core.runtime.native_libraries import load_torch_libraries

            load_torch_libraries()  # its models will import torch: without holding the window up

            try:
                return load_project(path), None
            except Exception as exc:  # noqa: BLE001 - whatever the file did, the window stays up and says so
                return None, exc

        def on_ready(result: tuple[Project | None, Exception | None]) -> None:
            read, problem = result
            self.set_reading(None)
            if problem is None:
                self.controller.install_project(read, path)
                self._opened(path)
                return
            known = isinstance(problem, TlguiError | OSError)
            self.show_error(str(problem) if known else could_not_open(path, problem))
            if if_unreadable is not None:
                if_unreadable()

        if not self.project_reader.start(job, on_ready):
            return False
        self.set_reading(path)
        return True

    def set_reading(self, path: Path | None) -> None:
        """While ``path`` is read (None: once it has been), nothing can be edited or opened: what the
        user did meanwhile would be replaced when the project arrives."""
        reading = path is not None
        self.centralWidget().setEnabled(not reading)
        self.menuBar().setEnabled(not reading)
        if reading:
            self.controller.show_status(QCoreApplication.translate("app", "Opening {path}…").format(path=path))

    def _open(self, path: Path) -> bool:
        try:
            self.controller.load_project(path)
        except (TlguiError, OSError) as exc:
            self.show_error(str(exc))
            return False
        self._opened(path)
        return True

    def _opened(self, path: Path) -> None:
        self._remember_recent(path)
        self.tabs.setCurrentWidget(self.data_page)

    def save(self) -> bool:
        """Save to the project's file, or ask where when it has none. True when saved."""
        if self.controller.path is None:
            return self.save_as()
        return self._save_to(self.controller.path)

    def save_as(self) -> bool:
        suggested = str(Path(self._start_dir()) / f"{self.controller.project_name}{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save project as"), suggested, self._project_filter())
        return self._save_to(Path(path)) if path else False

    def _save_to(self, path: Path, *, replace_changed: bool = False) -> bool:
        """Save, the file written in the background while the window waits responsive; on any
        failure show a dialog naming the file and the problem, and return False.

        When the project's file was changed elsewhere since it was opened or saved here (another
        window, another program), ask first: replace it, save under another name, or cancel.
        """
        from tlgui.core.errors import Cancelled
        from tlgui.core.project import ProjectChangedError

        if self.project_writer.busy:  # (its menus are disabled meanwhile; a shortcut may still come)
            self.controller.show_status(self.tr("The project is still being saved."))
            return False
        target = with_suffix(path, PROJECT_SUFFIX)
        try:
            save = self.controller.begin_save(path, replace_changed=replace_changed)
            self.controller.show_status(self.tr("Saving {path}…").format(path=target))
            written = self.project_writer.write(save.prepared)
        except ProjectChangedError as exc:
            return self._save_over_changed_file(path, str(exc))
        except Cancelled:
            self._close_when_saved = False
            self.controller.show_status(self.tr("Save stopped: {path} was left as it was.").format(path=target))
            return False
        except Exception as exc:  # noqa: BLE001 - whatever it was, the project is not saved: say so
            self._close_when_saved = False
            self.show_error(failed_save_message("project", target, exc))
            return False
        saved = self.controller.finish_save(save, written)
        self._remember_recent(saved)
        close_now, self._close_when_saved = self._close_when_saved, False
        if close_now and not self._closing:  # (a close under way goes on by itself)
            QTimer.singleShot(0, self.close)
        return True

    def _save_over_changed_file(self, path: Path, message: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("The project file has changed"), literal_html(message),
                          QMessageBox.StandardButton.Cancel, self)
        replace = box.addButton(self.tr("Replace It"), QMessageBox.ButtonRole.DestructiveRole)
        save_as = box.addButton(self.tr("Save As…"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(save_as)
        box.exec()
        if box.clickedButton() is replace:
            return self._save_to(path, replace_changed=True)
        if box.clickedButton() is save_as:
            return self.save_as()
        return False

    def _start_dir(self) -> str:
        if self.controller.path is not None:
            return str(self.controller.path.parent)
        recent = self.recent_projects()
        return str(recent[0].parent) if recent else str(Path.home())

    # -- models ----------------------------------------------------------------------------------

    def export_model(self) -> bool:
        """Write the project's classifier as a standalone model file, in the background.

        True when the export started; a failure to write it comes later, as a dialog.
        """
        classifier = self.controller.classifier
        if classifier is None:
            self.show_error(self.tr("There is no trained model yet. Train one on the Train tab first."))
            return False
        suggested = Path(self._start_dir()) / f"{self.controller.project_name}{MODEL_SUFFIX}"
        return self.exporter.ask_and_export(self, classifier, suggested, self.controller.photos_to_check_export_on())

    def open_model_file(self) -> None:
        """Classify with a model file made earlier: the Classify page opens and owns it."""
        self.tabs.setCurrentWidget(self.classify_page)
        self.classify_page.open_model_dialog()

    # -- messages --------------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """A warning dialog; ``message`` is shown literally (it often carries names from files)."""
        QMessageBox.warning(self, "tlgui", literal_html(message))

    def about(self) -> AboutDialog:
        from tlgui.gui.about import AboutDialog  # reads the installed packages' metadata: when asked

        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- closing ---------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        # Accepted only at the very end: a failure on the way (even an exception) keeps the window.
        event.ignore()
        if self.project_writer.busy:  # it closes once the file is written (unless that fails)
            self._close_when_saved = True
            return
        self._closing = True
        try:
            self._close(event)
        finally:
            self._closing = False

    def _close(self, event: QCloseEvent) -> None:
        if self._any_busy():
            if QMessageBox.question(
                self, self.tr("Work in progress"), self.tr("A task is still running. Stop it and quit?"),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
            ) != QMessageBox.StandardButton.Yes:
                return
            # Stop first: what the stopped work leaves (a run's best epoch, photos read so far) is
            # part of the project that the unsaved-changes question is about.
            self.shutdown()
        if not self.maybe_save():
            return
        self._save_geometry()
        self.shutdown()
        event.accept()

    def _any_busy(self) -> bool:
        if self._exporter is not None and self._exporter.busy:
            return True
        for page in self.built_pages():
            busy = getattr(page, "busy", None)
            if busy is not None and (busy() if callable(busy) else busy):
                return True
        return False

    def shutdown(self) -> None:
        """Stop every page's background work (thumbnails, scans, training), each for a bounded time;
        a model file being exported is let finish first."""
        self.project_reader.shutdown(0)  # a read cannot be interrupted: it ends in the background
        self.project_writer.shutdown()  # a save stopped leaves the old file as it was
        if self._exporter is not None:
            self._exporter.shutdown()
        for page in self.built_pages():
            stop = getattr(page, "shutdown", None)
            if callable(stop):
                stop()

    def _restore_geometry(self) -> None:
        settings = app_settings()
        geometry = settings.value(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.value(STATE_KEY)
        if state is not None:
            self.restoreState(state)

    def _save_geometry(self) -> None:
        settings = app_settings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        settings.setValue(STATE_KEY, self.saveState())



def could_not_open(path: Path, exc: BaseException) -> str:
    """The sentence for a project file that failed in a way no check names (a bug's exception)."""
    return QCoreApplication.translate("app", "The project {path} could not be opened ({kind}).").format(
        path=path, kind=exc.__class__.__name__)
