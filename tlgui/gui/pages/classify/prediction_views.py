"""One photo's prediction: the picture, and its top classes as probability bars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from tlgui.core.data.images import load_rgb
from tlgui.gui.widgets.plain_text import plain_label

if TYPE_CHECKING:
    from tlgui.core.predict.predictor import Prediction

PREVIEW_EDGE = 360


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
    """The preview on the left; the file name, the verdict and one bar per top class on the right."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW_EDGE, PREVIEW_EDGE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #f4f4f4; border: 1px solid #ddd;")
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
        right = QVBoxLayout()
        right.addWidget(self.name)
        right.addWidget(self.verdict)
        right.addSpacing(8)
        right.addWidget(self.bars_box)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        layout.addSpacing(16)
        layout.addLayout(right, 1)

    def show_prediction(self, prediction: Prediction, preview: QImage | None) -> None:
        if preview is not None and not preview.isNull():
            self.preview.setPixmap(QPixmap.fromImage(preview))
        else:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("no preview")
        self.name.setText(str(prediction.path) if prediction.path is not None else "")
        self._clear_bars()
        if prediction.error:
            self.verdict.setText(f"Could not be classified: {prediction.error}")
            self.verdict.setStyleSheet("font-size: 12pt; font-weight: bold; color: #b03a2e;")
            return
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

    def _clear_bars(self) -> None:
        while self.bars.count():
            item = self.bars.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
