"""What Qt puts on screen for a text it may read as HTML (message boxes, input dialogs, tooltips)."""

from __future__ import annotations

from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtGui import QTextDocument

#: A class name a hostile (or unlucky) file could carry: bold text and an image, if read as HTML.
HTML_NAME = "<b>x</b><img src=missing.png>"


def displayed(text: str) -> str:
    """The characters a QLabel in its default (automatic) mode shows for ``text``.

    Rich text is rendered first: tags vanish and an image becomes U+FFFC, so a name that was read as
    HTML does not come back unchanged.
    """
    if not QtGuiNamespace.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText()
