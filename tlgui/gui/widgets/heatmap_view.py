"""A photo with its class-activation heatmap over it: which class to explain, how strongly to show it.

The heatmap comes from the engine's ``Explainer`` (Grad-CAM), computed in a ``TaskSlot``: the first
one builds the explainer (a private copy of the network) and later ones reuse it. Each class's map is
kept for the photo shown, so going back to a class is instant. Only the square the network sees is
coloured; a dashed frame shows it when the photo is wider or taller than that square.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from tlgui.gui.tasks import TaskSlot
from tlgui.gui.widgets.plain_text import plain_label

if TYPE_CHECKING:
    import numpy as np

    from tlgui.core.predict.explain import Explainer, Explanation

# Longest side of the picture kept for display (the heatmap is scaled with it).
DISPLAY_EDGE = 1024
# How strongly the heatmap covers the photo at first, in percent.
DEFAULT_OPACITY = 45
# How long closing waits for a heatmap being computed before leaving it to finish alone.
HEATMAP_SHUTDOWN_MS = 250


def rgb_qimage(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of uint8 RGB (H, W, 3) pixels; safe on any thread."""
    import numpy as np

    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, width * 3, QImage.Format.Format_RGB888).copy()


@dataclass
class _Shown:
    """What one job hands back: the picture and one class's coloured map, both at display scale."""

    path: Path
    explainer: Explainer | None
    photo: QImage | None
    overlay: QImage | None
    crop: QRectF  # the square the network sees, in display pixels
    explanation: Explanation | None
    unavailable: str = ""


def _explain_job(explainer: Explainer | None, classifier, path: Path, class_index: int | None, want_photo: bool):
    """The background half of a request: build the explainer once, explain, scale for display."""

    def job(token, report):
        # Here, on the worker: numpy, torch and grad-cam are not the window's to load at start.
        import numpy as np

        from tlgui.core.predict.explain import Explainer, HeatmapUnavailable, colour_map, explain_photo

        token.raise_if_cancelled()
        current = explainer
        try:
            if current is None:
                current = Explainer(classifier)
            image, explanation = explain_photo(current, path, class_index)
        except HeatmapUnavailable as exc:
            return _Shown(path, current, None, None, QRectF(), None, str(exc))
        scale = min(1.0, DISPLAY_EDGE / max(image.size))
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        photo = rgb_qimage(np.asarray(image.resize(size, Image.Resampling.BILINEAR))) if want_photo else None
        heat = np.asarray(Image.fromarray(explanation.heatmap).resize(size, Image.Resampling.BILINEAR))
        left, top, right, bottom = (v * scale for v in explanation.crop_box)
        crop = QRectF(left, top, right - left, bottom - top)
        return _Shown(path, current, photo, rgb_qimage(colour_map(heat)), crop, explanation)

    return job


class HeatmapCanvas(QWidget):
    """Paints the photo fitted into the widget, then the heatmap over the part the network sees."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.photo: QImage | None = None
        self.overlay: QImage | None = None
        self.crop = QRectF()
        self.opacity = DEFAULT_OPACITY / 100
        self.placeholder = ""
        self.setMinimumSize(240, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(480, 400)

    def set_photo(self, photo: QImage | None) -> None:
        self.photo = photo if photo is not None and not photo.isNull() else None
        self.overlay = None
        self.update()

    def set_overlay(self, overlay: QImage | None, crop: QRectF) -> None:
        self.overlay = overlay
        self.crop = crop
        self.update()

    def set_opacity(self, opacity: float) -> None:
        self.opacity = opacity
        self.update()

    def photo_rect(self) -> QRectF:
        """Where the photo is drawn: fitted and centred, never enlarged beyond twice its size."""
        if self.photo is None:
            return QRectF()
        size = QSize(self.photo.size())
        fitted = size.scaled(self.size().boundedTo(size * 2), Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRectF(0, 0, fitted.width(), fitted.height())
        rect.moveCenter(QRectF(self.rect()).center())
        return rect

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#f4f4f4"))
        if self.photo is None:
            painter.setPen(QColor("#777"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        target = self.photo_rect()
        painter.drawImage(target, self.photo)
        if self.overlay is None or self.crop.isEmpty():
            return
        sx = target.width() / self.photo.width()
        sy = target.height() / self.photo.height()
        seen = QRectF(target.left() + self.crop.left() * sx, target.top() + self.crop.top() * sy,
                      self.crop.width() * sx, self.crop.height() * sy)
        painter.setOpacity(self.opacity)
        painter.drawImage(seen, self.overlay, self.crop)
        painter.setOpacity(1.0)
        if seen.width() < target.width() - 2 or seen.height() < target.height() - 2:
            pen = QPen(QColor("white"), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(seen.adjusted(0.5, 0.5, -0.5, -0.5))


class HeatmapView(QWidget):
    """The canvas, a class chooser ("Heatmap for: cat (predicted)") and an opacity slider.

    ``set_classifier`` then ``show_photo(path)``; the heatmap of the predicted class (or of the class
    given) follows in the background, or waits for "Why?" (``explain=False``). Choosing a class
    computes its map. Signals: ``explained(Explanation)`` when a map is shown, ``failed(str)`` when
    the photo could not be explained. Call ``shutdown()`` before it goes away.
    """

    explained = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.classifier = None
        self.path: Path | None = None
        self._explainer: Explainer | None = None
        self._maps: dict[int, tuple[QImage, QRectF, Explanation]] = {}
        self._pending: int | None | bool = False  # False: nothing waiting; None: the predicted class
        self._predicted: str | None = None  # the class the caller's prediction named, if any
        self._full_photo = False  # the display-size picture has arrived (a preview may be smaller)
        self.slot = TaskSlot(self)
        self.slot.failed.connect(self._on_failed)
        self.slot.done.connect(self._start_pending)

        self.canvas = HeatmapCanvas()
        self.class_choice = QComboBox()  # items are plain text: class names are shown as they are
        self.class_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.class_choice.setMinimumContentsLength(12)
        self.class_choice.activated.connect(self._on_class_chosen)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(DEFAULT_OPACITY)
        self.opacity.setToolTip(self.tr("How strongly the heatmap covers the photo"))
        self.opacity.valueChanged.connect(lambda value: self.canvas.set_opacity(value / 100))
        self.opacity.setMinimumWidth(100)
        self.opacity.setMaximumWidth(280)
        self.why_button = QPushButton(self.tr("Why? Show the heatmap"))
        self.why_button.setToolTip(self.tr("Colour the parts of the photo that made the model choose this class"))
        self.why_button.clicked.connect(lambda: self._request(self._chosen_index()))
        self.why_button.hide()
        self.status = plain_label()  # error messages may quote a file name
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #555;")
        self.class_choice.setEnabled(False)
        self.opacity.setEnabled(False)

        controls = QHBoxLayout()
        controls.addWidget(self.why_button)
        controls.addWidget(QLabel(self.tr("Heatmap for:")))
        controls.addWidget(self.class_choice)
        controls.addSpacing(12)
        controls.addWidget(QLabel(self.tr("Opacity:")))
        controls.addWidget(self.opacity, 1)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(controls)
        layout.addWidget(self.status)

    # -- what to show ------------------------------------------------------------------------------

    def set_classifier(self, classifier) -> None:
        """Explain with ``classifier`` from now on (a different one drops the cached explainer)."""
        if classifier is self.classifier:
            return
        self.classifier = classifier
        self._explainer = None
        self._maps.clear()
        self.class_choice.clear()
        if classifier is not None:
            self.class_choice.addItems(list(classifier.class_names))

    def show_photo(self, path: Path | str, preview: QImage | None = None, class_name: str | None = None,
                   *, explain: bool = True) -> None:
        """Show ``path`` (``preview`` at once if given) and compute the heatmap of ``class_name``, the
        class predicted for it (default: the class the network predicts here). With ``explain=False``
        and a preview, the map waits until "Why?" is pressed or a class is chosen."""
        self.path = Path(path)
        self._pending = False
        self._maps.clear()
        self._full_photo = False
        self.canvas.placeholder = self.tr("Loading the photo…")
        self.canvas.set_photo(preview)
        index = None
        if class_name is not None and self.classifier is not None and class_name in self.classifier.class_names:
            index = self.classifier.class_names.index(class_name)
            self.class_choice.setCurrentIndex(index)
        self._predicted = class_name if index is not None else None
        self._label_choices()
        self.canvas.set_overlay(None, QRectF())
        self.opacity.setEnabled(False)
        self.class_choice.setEnabled(self.classifier is not None)
        if explain or self.canvas.photo is None:
            self.why_button.hide()
            self._request(index)
        else:
            self.status.setText("")
            self.why_button.show()

    def current_explanation(self) -> Explanation | None:
        """The explanation of the map on screen, if any."""
        entry = self._maps.get(self.class_choice.currentIndex())
        return entry[2] if entry else None

    @property
    def busy(self) -> bool:
        return self.slot.busy

    def shutdown(self) -> None:
        """Stop the computation in flight (its owner is going away)."""
        self._pending = False
        # A heatmap is nothing to keep: do not hold the window up for one (it finishes on its own).
        self.slot.shutdown(HEATMAP_SHUTDOWN_MS)

    # -- requests ----------------------------------------------------------------------------------

    def _request(self, class_index: int | None) -> None:
        if self.classifier is None or self.path is None:
            return
        if class_index is not None and class_index in self._maps:
            self._show_map(class_index)
            return
        self.why_button.hide()
        if self.slot.busy:
            self._pending = class_index  # only the latest wish matters; it starts when this one ends
            return
        self._pending = False
        self.status.setText(self.tr("Computing the heatmap…"))
        job = _explain_job(self._explainer, self.classifier, self.path, class_index, not self._full_photo)
        classifier = self.classifier
        self.slot.start(job, lambda shown: self._on_computed(shown, classifier, class_index))

    def _start_pending(self) -> None:
        if self._pending is not False:
            index, self._pending = self._pending, False
            self._request(index)

    def _on_computed(self, shown: _Shown, classifier, asked: int | None) -> None:
        if classifier is not self.classifier:
            return  # the model changed while this ran: its explainer and map belong to the old one
        self._explainer = shown.explainer
        if shown.path != self.path:
            return  # another photo was chosen meanwhile; its own request is pending
        if shown.unavailable:
            self.status.setText(shown.unavailable)
            self.canvas.placeholder = shown.unavailable
            self.canvas.update()
            self.class_choice.setEnabled(False)
            self.opacity.setEnabled(False)
            return
        explanation = shown.explanation
        assert explanation is not None and shown.overlay is not None
        if shown.photo is not None and not self._full_photo:
            self.canvas.set_photo(shown.photo)
            self._full_photo = True
        self._maps[explanation.class_index] = (shown.overlay, shown.crop, explanation)
        if self._predicted is None:
            self._predicted = self.classifier.class_names[int(explanation.probabilities.argmax())]
            self._label_choices()
        if self._pending is False or asked is None:
            self._show_map(explanation.class_index)

    def _on_failed(self, message: str, _details: str) -> None:
        self.status.setText(message)
        self.canvas.placeholder = message
        self.canvas.update()
        self.failed.emit(message)

    def _on_class_chosen(self, index: int) -> None:
        self._request(index)

    # -- showing -----------------------------------------------------------------------------------

    def _show_map(self, class_index: int) -> None:
        overlay, crop, explanation = self._maps[class_index]
        self.class_choice.setCurrentIndex(class_index)
        self.canvas.set_overlay(overlay, crop)
        self.class_choice.setEnabled(True)
        self.opacity.setEnabled(True)
        name = self.classifier.class_names[class_index]
        text = self.tr("Red: where the photo looks most like “{name}” to the model; blue: least.").format(name=name)
        if self._framed(crop):
            text += self.tr(" The model sees only the framed square.")
        self.status.setText(text)
        self.explained.emit(explanation)

    def _framed(self, crop: QRectF) -> bool:
        photo = self.canvas.photo
        return photo is not None and (crop.width() < photo.width() - 2 or crop.height() < photo.height() - 2)

    def _label_choices(self) -> None:
        # No percentages here: the page beside shows the predictor's, which may differ in the last
        # digit (it may run in reduced precision; a heatmap needs float32).
        if self.classifier is not None:
            for row, name in enumerate(self.classifier.class_names):
                shown = self.tr("{name} (predicted)").format(name=name) if name == self._predicted else name
                self.class_choice.setItemText(row, shown)

    def _chosen_index(self) -> int | None:
        """The class in the chooser, once the photo's predicted class is known there."""
        return self.class_choice.currentIndex() if self._predicted is not None else None


class HeatmapDialog(QDialog):
    """A window holding one ``HeatmapView``: "Why?" for a photo of another page.

    ``HeatmapDialog.show_for(parent, classifier, path, class_name)`` reuses the parent's dialog;
    ``HeatmapDialog.shutdown_all(parent)`` stops their work when the parent goes away.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Why this class?"))
        self.view = HeatmapView()
        self.name = plain_label()  # the file's name, as it is
        self.name.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(720, 640)

    @classmethod
    def show_for(cls, parent: QWidget, classifier, path: Path | str, class_name: str | None = None) -> HeatmapDialog:
        dialog = parent.findChild(cls)
        if dialog is None:
            dialog = cls(parent)
        dialog.view.set_classifier(classifier)
        dialog.name.setText(str(path))
        dialog.view.show_photo(path, class_name=class_name)
        dialog.show()
        dialog.raise_()
        return dialog

    @classmethod
    def shutdown_all(cls, parent: QWidget) -> None:
        for dialog in parent.findChildren(cls):
            dialog.view.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.view.shutdown()
        super().closeEvent(event)
