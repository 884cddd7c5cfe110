"""Names that come from files (classes, photos, projects) shown as they are, never as HTML.

A QLabel, a message box, an input dialog and a tooltip each guess whether their text is HTML
(``Qt.mightBeRichText``), so a class named ``<b>x</b>`` would turn bold and an ``<img>`` tag would be
loaded. Labels are told that their text is plain; where Qt has no such switch (message boxes built by
Qt's static functions, input dialogs, tooltips) the text is escaped into HTML that shows it literally.

A file name that is not UTF-8 reaches Python with a lone surrogate for each bad byte, which Qt drops
without a trace ("ant\\xff0.jpg" would show as "ant0.jpg", like another file): ``file_name`` and
``path_text`` show such a byte as the Windows-1252 character it most likely was (``valid_text``).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNamespace  # QtGui's Qt namespace holds convertFromPlainText
from PySide6.QtWidgets import QLabel, QWidget

from tlgui.core.data.items import valid_text


def make_plain(label: QLabel) -> QLabel:
    """Have ``label`` show its text literally, whatever it contains; returns it."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that shows ``text`` (and whatever is set later) literally."""
    return make_plain(QLabel(text, parent))


def literal_html(text: str) -> str:
    """HTML that shows ``text`` exactly, line breaks included: for message boxes, input dialogs and
    tooltips, which have no plain-text switch. Empty stays empty (an empty tooltip shows nothing)."""
    return QtGuiNamespace.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal) if text else ""


def file_name(path: Path) -> str:
    """The name of the file at ``path`` as shown (see ``valid_text``)."""
    return valid_text(path.name)


def path_text(path: Path | str) -> str:
    """``path`` as shown (see ``valid_text``)."""
    return valid_text(str(path))


def distinct_names(first: Path, second: Path) -> tuple[str, str]:
    """The shortest ends of two paths that tell them apart: "IMG_0001.jpg" twice says nothing, so
    "ants/IMG_0001.jpg" and "bees/IMG_0001.jpg" (as shown, see ``path_text``)."""
    a, b = first.parts, second.parts
    for count in range(1, max(len(a), len(b)) + 1):
        if a[-count:] != b[-count:]:
            return path_text(Path(*a[-count:])), path_text(Path(*b[-count:]))
    return path_text(first), path_text(second)
