"""Live training curves: losses on one plot, validation accuracy on another (pyqtgraph).

Points arrive once per epoch from the Train page; each arrival sets the lines' data (a few dozen
points), which pyqtgraph redraws in well under a millisecond, so no extra throttling is needed.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from tlgui.core.trainer import EpochStats

TRAIN_COLOUR = (31, 119, 180)
VAL_COLOUR = (255, 127, 14)
ACC_COLOUR = (44, 160, 44)
BEST_COLOUR = (214, 39, 40)


def _plot(title: str, left: str) -> pg.PlotWidget:
    # A white plot matches the rest of the window; pyqtgraph's default is black.
    plot = pg.PlotWidget(background="w")
    item = plot.getPlotItem()
    item.setTitle(title, color="#333", size="10pt")
    item.setLabel("left", left, color="#333")
    item.setLabel("bottom", "epoch", color="#333")
    item.showGrid(x=True, y=True, alpha=0.2)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setPen("#888")
        item.getAxis(axis).setTextPen("#333")
        # Losses near 0.5 must read as 0.5, not as 500 with an "x0.001" in the axis title.
        item.getAxis(axis).enableAutoSIPrefix(False)
    item.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    return plot


class TrainingCurves(QWidget):
    """Training and validation loss (top), validation accuracy with the best epoch marked (bottom)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loss_plot = _plot("Loss", "loss")
        self.loss_plot.addLegend(offset=(-10, 10), labelTextColor="#333")
        self.acc_plot = _plot("Validation accuracy", "accuracy (%)")
        self.acc_plot.addLegend(offset=(-10, -10), labelTextColor="#333")
        # A little beyond 0..100 so that the 100 tick shows and a line at 100% is not cut in half.
        self.acc_plot.setYRange(-3, 103, padding=0)
        symbol = {"symbol": "o", "symbolSize": 6}
        self.train_line = self.loss_plot.plot(
            [], [], name="training loss", pen=pg.mkPen(TRAIN_COLOUR, width=2), symbolBrush=TRAIN_COLOUR, **symbol
        )
        self.val_line = self.loss_plot.plot(
            [], [], name="validation loss", pen=pg.mkPen(VAL_COLOUR, width=2), symbolBrush=VAL_COLOUR, **symbol
        )
        self.acc_line = self.acc_plot.plot(
            [], [], name="validation accuracy", pen=pg.mkPen(ACC_COLOUR, width=2), symbolBrush=ACC_COLOUR, **symbol
        )
        self.best_marker = self.acc_plot.plot(
            [], [], name="best epoch", pen=None, symbol="star", symbolSize=16, symbolBrush=BEST_COLOUR
        )
        self.history: list[EpochStats] = []
        self._planned = 10
        self._finished = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.loss_plot, 1)
        layout.addWidget(self.acc_plot, 1)

    def clear(self) -> None:
        self.history = []
        self._finished = False
        self._redraw()

    def set_planned_epochs(self, epochs: int) -> None:
        """Size the epoch axis for a run of ``epochs`` before any point arrives."""
        self._planned = max(1, epochs)
        if not self.history:
            self._redraw()

    def add_epoch(self, stats: EpochStats) -> None:
        """Append one finished epoch."""
        self.history.append(stats)
        self._finished = False
        self._redraw()

    def set_history(self, history: list[EpochStats]) -> None:
        """Show a whole run at once (e.g. the last run after reopening the page)."""
        self.history = list(history)
        # A finished run is shown as long as it was, not as long as it was planned.
        self._finished = True
        self._redraw()

    def points(self) -> dict[str, list[float]]:
        """What each line currently shows (y values), for tests and the results summary."""
        return {
            "train_loss": list(self.train_line.getData()[1] if len(self.history) else []),
            "val_loss": list(self.val_line.getData()[1] if len(self.history) else []),
            "val_accuracy": list(self.acc_line.getData()[1] if len(self.history) else []),
        }

    def _redraw(self) -> None:
        epochs = [s.epoch for s in self.history]
        # NaN (an epoch with no batches) would break the autoscale; draw it as a gap instead.
        self.train_line.setData(epochs, [_finite(s.train_loss) for s in self.history], connect="finite")
        self.val_line.setData(epochs, [_finite(s.val_loss) for s in self.history], connect="finite")
        self.acc_line.setData(epochs, [100.0 * s.val_accuracy for s in self.history])
        best = [s for s in self.history if s.best][-1:]
        self.best_marker.setData([s.epoch for s in best], [100.0 * s.val_accuracy for s in best])
        # The whole planned run from the start, so the line visibly advances towards the end.
        if not epochs:
            right = self._planned
        elif self._finished:
            right = max(epochs[-1], 2)
        else:
            right = max(epochs[-1], self.history[-1].epochs)
        for plot in (self.loss_plot, self.acc_plot):
            plot.setXRange(0.5, right + 0.5, padding=0)


def _finite(value: float) -> float:
    return value if math.isfinite(value) else float("nan")
