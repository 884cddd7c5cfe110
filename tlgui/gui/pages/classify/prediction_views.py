"""One photo's prediction: the picture with its heatmap, and its top classes as probability bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.data.images import load_rgb
from tlgui.gui.widgets.heatmap_view import HeatmapView
from tlgui.gui.widgets.plain_text import plain_label

if TYPE_CHECKING:
    from tlgui.core.predict.predictor import Prediction

PREVIEW_EDGE = 360
# Width of the column of verdict and bars beside the picture.
DETAILS_WIDTH = 340


def load_preview(path, edge: int = PREVIEW_EDGE) -> QImage | None:
    """The photo fitted into ``edge`` x ``edge``, for any thread (QImage); None if it cannot be read."""
    try:
        img = load_rgb(path, min_size=edge)
    except Exception:  # noqa: BLE001 - the prediction already carries the reason; no preview is enough
        return None
    img.thumbnail((edge, edge), Image.Resampling.BILINEAR)
    data = img.tobytes()
    return QImage(data, img.width, img.height, img.width * 3, QImage.Format.Format_RGB888).copy()


class SinglePredictionView(QWidget):
    """The photo with its heatmap on the left; the file name, the verdict and one bar per top class,
    and "Add to class…", on the right. "← All photos" goes back when it was opened from the gallery.

    Signals: ``backRequested()``, ``addToClassRequested(list[Prediction])``.
    """

    backRequested = Signal()
    addToClassRequested = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.prediction: Prediction | None = None
        self.back_button = QPushButton(self.tr("← All photos"))
        self.back_button.clicked.connect(self.backRequested)
        self.back_button.hide()
        self.heatmap = HeatmapView()
        self.name = plain_label()  # file names, class names and errors are shown as they are
        self.name.setWordWrap(True)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict = plain_label()
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.bars_box = QWidget()
        self.bars = QGridLayout(self.bars_box)
        self.bars.setContentsMargins(0, 0, 0, 0)
        self.bars.setColumnStretch(1, 1)
        self.add_button = QPushButton(self.tr("Add to class…"))
        self.add_button.setToolTip(self.tr("Add this photo to the training data, in the class you choose"))
        self.add_button.clicked.connect(self._on_add)
        details = QWidget()
        details.setFixedWidth(DETAILS_WIDTH)
        right = QVBoxLayout(details)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.name)
        right.addWidget(self.verdict)
        right.addSpacing(8)
        right.addWidget(self.bars_box)
        right.addSpacing(12)
        right.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignLeft)
        right.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.heatmap, 1)
        body.addSpacing(16)
        body.addWidget(details)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)

    def set_classifier(self, classifier) -> None:
        self.heatmap.set_classifier(classifier)

    def show_prediction(self, prediction: Prediction, preview: QImage | None, *, from_gallery: bool = False) -> None:
        """Show ``prediction``; from the gallery its heatmap (predicted class) follows in the background."""
        self.prediction = prediction
        self.back_button.setVisible(from_gallery)
        self.name.setText(str(prediction.path) if prediction.path is not None else "")
        self._clear_bars()
        self.add_button.setEnabled(prediction.path is not None and not prediction.error)
        if prediction.error:
            self.heatmap.canvas.placeholder = self.tr("No preview: the file cannot be read.")
            self.heatmap.canvas.set_photo(None)
            self.heatmap.status.setText("")
            self.verdict.setText(self.tr("Could not be classified: {reason}").format(reason=prediction.error))
            self.verdict.setStyleSheet("font-size: 12pt; font-weight: bold; color: #b03a2e;")
            return
        if prediction.path is not None:
            # Opened from the gallery, the user asked "why?"; a photo just dropped shows "Why?" instead.
            self.heatmap.show_photo(prediction.path, preview, prediction.label, explain=from_gallery)
        self.verdict.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.verdict.setText(f"{prediction.label} ({prediction.probability:.1%})")
        for row, (label, probability) in enumerate(prediction.top):
            name = plain_label(label)
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(round(probability * 1000))
            bar.setFormat(f"{probability:.1%}")
            bar.setTextVisible(True)
            self.bars.addWidget(name, row, 0)
            self.bars.addWidget(bar, row, 1)

    def bar_values(self) -> list[tuple[str, str]]:
        """(class, shown percentage) per bar, top first (for tests)."""
        out = []
        for row in range(self.bars.rowCount()):
            name = self.bars.itemAtPosition(row, 0)
            bar = self.bars.itemAtPosition(row, 1)
            if name is not None and bar is not None:
                out.append((name.widget().text(), bar.widget().format()))
        return out

    def shutdown(self) -> None:
        self.heatmap.shutdown()

    def _on_add(self) -> None:
        if self.prediction is not None:
            self.addToClassRequested.emit([self.prediction])

    def _clear_bars(self) -> None:
        while self.bars.count():
            item = self.bars.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
