"""Every text a window shows, read back from its widgets, and the English words left in it.

A static scan of the code cannot follow a string through a helper function, a table of labels or a
variable; reading the widgets after the fact can. ``screen_texts`` walks a widget tree and gathers
what a user can read there: labels, buttons, group boxes, tab texts, tooltips, placeholders, combo
items, item views (headers and cells), menus and their actions, window titles, the status line, and
the text items of graphics scenes (the curves' axes). ``english_words`` says which ASCII words in a
text are not names that stay the same in every language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

#: Cells read per item view: a table's first rows show every kind of cell it has.
ROWS_PER_VIEW = 40
_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")


def _plain(text: str) -> str:
    """What a label shows for ``text``: rich text rendered to its characters, mnemonics dropped."""
    if QtGuiNamespace.mightBeRichText(text):
        document = QTextDocument()
        document.setHtml(text)
        text = document.toPlainText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _flat(model: QAbstractItemModel) -> bool:
    # Lists and tables hide what they do not need (columnCount, hasChildren): calling it raises.
    return isinstance(model, QAbstractListModel | QAbstractTableModel)


def _columns(model: QAbstractItemModel, parent: QModelIndex) -> int:
    return 1 if isinstance(model, QAbstractListModel) else model.columnCount(parent)


def _model_texts(model: QAbstractItemModel, where: str) -> Iterator[tuple[str, str]]:
    for section in range(_columns(model, QModelIndex())):
        for role in _ROLES:
            value = model.headerData(section, Qt.Orientation.Horizontal, role)
            if isinstance(value, str):
                yield f"{where} header", value
    stack = [QModelIndex()]
    seen = 0
    while stack and seen < ROWS_PER_VIEW:
        parent = stack.pop()
        for row in range(min(model.rowCount(parent), ROWS_PER_VIEW)):
            seen += 1
            for column in range(_columns(model, parent)):
                index = model.index(row, column, parent)
                for role in _ROLES:
                    value = model.data(index, role)
                    if isinstance(value, str):
                        yield f"{where} cell", value
                if column == 0 and not _flat(model) and model.hasChildren(index):
                    stack.append(index)


def _action_texts(widget: QWidget, where: str) -> Iterator[tuple[str, str]]:
    for action in widget.actions():
        if action.isSeparator():
            continue
        yield f"{where} action", action.text()
        yield f"{where} action tooltip", action.toolTip()
        yield f"{where} action status tip", action.statusTip()
        if action.menu() is not None:
            yield f"{where} submenu", action.menu().title()


def _shows_another(view: QAbstractItemView) -> bool:
    """Whether ``view`` shows what another widget already gave: a header its table's headers, a
    combo box's popup list its items."""
    container = view.parentWidget()
    return isinstance(view, QHeaderView) or (container is not None and isinstance(container.parentWidget(), QComboBox))


def _widget_texts(widget: QWidget) -> Iterator[tuple[str, str]]:
    where = type(widget).__name__ + (f"#{widget.objectName()}" if widget.objectName() else "")
    yield f"{where} tooltip", widget.toolTip()
    yield f"{where} status tip", widget.statusTip()
    yield f"{where} what's this", widget.whatsThis()
    if widget.isWindow() or isinstance(widget, QMainWindow):
        yield f"{where} window title", widget.windowTitle().replace("[*]", "")
    if isinstance(widget, QLabel):
        yield where, widget.text()
    elif isinstance(widget, QAbstractButton):
        yield where, widget.text()
    elif isinstance(widget, QGroupBox):
        yield where, widget.title()
    elif isinstance(widget, QLineEdit):
        yield f"{where} placeholder", widget.placeholderText()
        if widget.isReadOnly():
            yield where, widget.text()
    elif isinstance(widget, QTextEdit) and widget.isReadOnly():
        yield where, widget.toPlainText()
    elif isinstance(widget, QProgressBar) and widget.isTextVisible():
        yield where, widget.text()
    elif isinstance(widget, QMenu):
        yield f"{where} title", widget.title()
    if isinstance(widget, QAbstractSpinBox):
        yield f"{where} special value", widget.specialValueText()
        for part in ("prefix", "suffix"):
            if hasattr(widget, part):
                yield f"{where} {part}", getattr(widget, part)()
    if isinstance(widget, QComboBox):
        for i in range(widget.count()):
            yield f"{where} item", widget.itemText(i)
    if isinstance(widget, QTabBar):
        for i in range(widget.count()):
            yield f"{where} tab", widget.tabText(i)
            yield f"{where} tab tooltip", widget.tabToolTip(i)
    if isinstance(widget, QAbstractItemView) and widget.model() is not None and not _shows_another(widget):
        yield from _model_texts(widget.model(), where)
    if isinstance(widget, QGraphicsView) and widget.scene() is not None:
        for item in widget.scene().items():
            if isinstance(item, QGraphicsTextItem):
                yield f"{where} scene text", item.toPlainText()
            elif isinstance(item, QGraphicsSimpleTextItem):
                yield f"{where} scene text", item.text()
    yield from _action_texts(widget, where)


def screen_texts(root: QWidget) -> list[tuple[str, str]]:
    """``(where, text)`` for every non-empty text ``root`` and its descendants carry, shown or not
    (a hidden note is shown in another state, and must be in the same language)."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        for where, text in _widget_texts(widget):
            text = _plain(text or "").strip()
            if text:
                found.append((where, text))
    if isinstance(root, QMainWindow) and root.statusBar().currentMessage():
        found.append(("status bar", root.statusBar().currentMessage()))
    return found


def english_words(text: str, names: Iterable[str], words: Iterable[str]) -> list[str]:
    """The ASCII words of two letters or more in ``text`` that are not in ``words``, once every one
    of ``names`` (class names, paths, architecture titles: taken as they are) is taken out where it
    stands as a whole word."""
    for name in sorted(filter(None, names), key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", " ", text)
    allowed = set(words)
    return [w for w in _WORD.findall(text) if len(w) > 1 and w not in allowed]
