"""The window's language: which one (the saved choice, else the system's), its translators, its menu.

The window's own text goes through Qt's translator (``tr()`` → ``resources/i18n/tlgui_<lang>.qm``,
built by ``resources/i18n/update.sh``); Qt's standard buttons and dialogs through Qt's bundled
``qtbase_<lang>.qm``; the engine's sentences through ``tlgui.core.i18n`` (gettext), set from the
same choice so that one window speaks one language.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from tlgui.core import i18n
from tlgui.core.resources import resources_dir
from tlgui.gui.settings import app_settings

LANGUAGE_KEY = "language"
# The saved value meaning "follow the system's locale".
SYSTEM = ""
# Each language the window speaks, named in itself so that anyone can find their own.
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}
TRANSLATIONS_FOLDER = "i18n"


def saved_language() -> str:
    """The language chosen in the Language menu, or ``SYSTEM``."""
    value = app_settings().value(LANGUAGE_KEY, SYSTEM)
    return value if isinstance(value, str) and value in LANGUAGE_NAMES else SYSTEM


def save_language(choice: str) -> None:
    """Remember ``choice`` (a key of ``LANGUAGE_NAMES`` or ``SYSTEM``) for the next start."""
    app_settings().setValue(LANGUAGE_KEY, choice)


def window_language() -> str:
    """The language the window opens in: the saved choice, else the system locale's."""
    return saved_language() or i18n.supported_language(QLocale.system().name())


def translation_file(language: str) -> str:
    """Where ``language``'s compiled window translation lies (``tlgui_zh_CN.qm``)."""
    return str(resources_dir() / TRANSLATIONS_FOLDER / f"tlgui_{language}.qm")


def install_language(app: QCoreApplication, language: str) -> str:
    """Make ``app`` and the engine speak ``language`` (see ``i18n.supported_language``); returns it.

    Call before building any widget: ``tr()`` is evaluated when the text is set. English loads a
    translation too, holding only the English plural forms (``%n photo(s)`` → ``1 photo``). A
    missing file leaves the source text, never stops the window.
    """
    language = i18n.set_language(language)
    for old in getattr(app, "_tlgui_translators", []):
        app.removeTranslator(old)
    translators = []
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for path, folder in ((f"qtbase_{language}", qt_folder), (translation_file(language), "")):
        translator = QTranslator(app)
        if translator.load(path, folder) if folder else translator.load(path):
            app.installTranslator(translator)
            translators.append(translator)
    # Kept on the application: an uninstalled translator that is garbage collected would be a crash.
    app._tlgui_translators = translators
    return language


class LanguageMenu(QMenu):
    """Settings ▸ Language: the system's language or a named one; saved, applied on the next start."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(self.tr("&Language"), parent)
        group = QActionGroup(self)
        current = saved_language()
        choices = [(SYSTEM, self.tr("System language"))] + list(LANGUAGE_NAMES.items())
        for code, name in choices:
            action = QAction(name, self, checkable=True, checked=code == current)
            action.setData(code)
            group.addAction(action)
            self.addAction(action)
        group.triggered.connect(self._choose)

    def _choose(self, action: QAction) -> None:
        save_language(action.data())
        QMessageBox.information(
            self.parentWidget(),
            self.tr("Language"),
            self.tr("The new language applies the next time tlgui starts."),
        )

