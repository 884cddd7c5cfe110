"""Live training curves: losses on one plot, validation accuracy on another (pyqtgraph).

Points arrive once per epoch from the Train page, and a head-only run on a warm cache finishes
dozens of epochs a second. Redrawing both plots costs tens of milliseconds (mostly repainting the
axes and their grid), so the page must not redraw per epoch:

* updates are coalesced: ``add_epoch`` only records the point, and a single-shot timer redraws at
  most ``REDRAW_INTERVAL_MS`` later (about five redraws a second whatever the epoch rate);
* both ranges are fixed, never auto-ranged: the epoch axis spans the planned run, accuracy spans
  0..100 %, and the loss axis starts at 0 and only grows (to a round number above the largest loss),
  so the axes keep their ticks and are re-laid out only when that changes;
* the grid is drawn at the labelled ticks only, and the axes (which draw it) are cached as pixmaps,
  so a redraw of the lines does not replay every tick and grid line;
* a line is given new data only when its points changed, and past ``MAX_SYMBOLS`` epochs its
  points are no longer marked with dots.

A run trains the new head first and may then fine-tune: the epochs run on across both phases, and
where the phase changes a dashed vertical line is drawn on both plots.

Each plot's legend stands in a column of its own right of the plot, never over it: anchored in a
corner of the plot it sat on the best epoch's star or on a line, wherever the data went.

The plots are built (and pyqtgraph, with numpy, imported: most of a second) when the curves are first
shown or asked for their points, not with the window: it opens on the Data page.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QGraphicsItem, QSizePolicy, QVBoxLayout, QWidget

from tlgui.core.plan.regime import Regime
from tlgui.core.training.summary import EpochStats

if TYPE_CHECKING:
    import pyqtgraph as pg

TRAIN_COLOUR = (31, 119, 180)
VAL_COLOUR = (255, 127, 14)
ACC_COLOUR = (44, 160, 44)
BEST_COLOUR = (214, 39, 40)
PHASE_COLOUR = (120, 120, 120)

# The most often the plots are redrawn while epochs stream in.
REDRAW_INTERVAL_MS = 200
# Accuracy axis: a little beyond 0..100 so that the 100 tick shows and a line at 100% is not cut in half.
ACC_RANGE = (-3.0, 103.0)
# Points are marked with dots up to this many epochs; beyond, dots only cost drawing time.
MAX_SYMBOLS = 100
# Loss axis top before any loss is known.
DEFAULT_LOSS_TOP = 1.0
SYMBOL = "o"
# Where each legend goes in its PlotItem's grid: the plot's row, the first column right of pyqtgraph's
# (left axis, plot, right axis).
LEGEND_ROW, LEGEND_COLUMN = 2, 3
_NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _plot(title: str, left: str) -> pg.PlotWidget:
    import pyqtgraph as pg

    # A white plot matches the rest of the window; pyqtgraph's default is black.
    plot = pg.PlotWidget(background="w")
    item = plot.getPlotItem()
    item.setTitle(title, color="#333", size="10pt")
    item.setLabel("left", left, color="#333")
    item.setLabel("bottom", QCoreApplication.translate("TrainingCurves", "epoch"), color="#333")
    item.showGrid(x=True, y=True, alpha=0.2)
    for axis in ("left", "bottom"):
        axis_item = item.getAxis(axis)
        axis_item.setPen("#888")
        axis_item.setTextPen("#333")
        # Losses near 0.5 must read as 0.5, not as 500 with an "x0.001" in the axis title.
        axis_item.enableAutoSIPrefix(False)
        # The axis draws the grid across the whole plot, and drawing it is most of a redraw's cost:
        # grid lines at the labelled (major) ticks only, a third of the cost of pyqtgraph's three
        # levels of ever fainter lines, and cached, so it is repainted only when its ticks change,
        # not with every line.
        axis_item.setStyle(maxTickLevel=0)
        axis_item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    item.setMenuEnabled(False)
    item.hideButtons()
    # The page sets both ranges itself; auto-ranging would re-lay out the axes after every point.
    item.disableAutoRange()
    plot.setMouseEnabled(x=False, y=False)
    return plot


def _legend_beside(plot: pg.PlotWidget) -> pg.LegendItem:
    """A legend right of ``plot``, top-aligned, listing the lines later plotted with a name."""
    import pyqtgraph as pg

    item = plot.getPlotItem()
    legend = pg.LegendItem(labelTextColor="#333")  # no offset: the grid places it, not an anchor
    legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    item.layout.addItem(legend, LEGEND_ROW, LEGEND_COLUMN)
    item.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
    item.legend = legend  # where PlotItem lists a line plotted with a name, as addLegend() would
    return legend


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) >= ``value``."""
    if not math.isfinite(value) or value <= 0:
        return DEFAULT_LOSS_TOP
    scale = 10.0 ** math.floor(math.log10(value))
    for step in _NICE_STEPS:
        if step * scale >= value * (1 - 1e-9):
            return step * scale
    return 10.0 * scale


class TrainingCurves(QWidget):
    """Training and validation loss (top), validation accuracy with the best epoch marked (bottom)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.history: list[EpochStats] = []
        self._phase_lines: list[tuple[pg.PlotWidget, pg.InfiniteLine]] = []
        self._drawn_phases: tuple = ()
        self._planned = 10
        self._finished = False
        # What the plots show now, so that a redraw touches only what changed.
        self._drawn_count = -1
        self._symbols = True
        self._drawn_best: tuple | None = None
        self._x_right: float | None = None
        self._loss_top: float | None = None
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self._redraw)
        self._built = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def _build(self) -> None:
        """Make the plots, once, and draw what has been recorded so far."""
        if self._built:
            return
        import pyqtgraph as pg

        self._built = True
        self.loss_plot = _plot(self.tr("Loss"), self.tr("loss"))
        self.loss_legend = _legend_beside(self.loss_plot)
        self.acc_plot = _plot(self.tr("Validation accuracy"), self.tr("accuracy (%)"))
        self.acc_legend = _legend_beside(self.acc_plot)
        self.acc_plot.setYRange(*ACC_RANGE, padding=0)
        symbol = {"symbol": SYMBOL, "symbolSize": 6}
        self.train_line = self.loss_plot.plot(
            [], [], name=self.tr("training loss"), pen=pg.mkPen(TRAIN_COLOUR, width=2), symbolBrush=TRAIN_COLOUR, **symbol
        )
        self.val_line = self.loss_plot.plot(
            [], [], name=self.tr("validation loss"), pen=pg.mkPen(VAL_COLOUR, width=2), symbolBrush=VAL_COLOUR, **symbol
        )
        self.acc_line = self.acc_plot.plot(
            [], [], name=self.tr("validation accuracy"), pen=pg.mkPen(ACC_COLOUR, width=2), symbolBrush=ACC_COLOUR, **symbol
        )
        self.best_marker = self.acc_plot.plot(
            [], [], name=self.tr("best epoch"), pen=None, symbol="star", symbolSize=16, symbolBrush=BEST_COLOUR
        )
        # Both legends as wide as the wider, so that the two plots' epochs stay one above the other.
        width = max(legend.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
                    for legend in (self.loss_legend, self.acc_legend))
        for plot in (self.loss_plot, self.acc_plot):
            plot.getPlotItem().layout.setColumnFixedWidth(LEGEND_COLUMN, width)
        layout = self.layout()
        layout.addWidget(self.loss_plot, 1)
        layout.addWidget(self.acc_plot, 1)
        self._redraw()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._build()
        super().showEvent(event)

    def clear(self) -> None:
        self.history = []
        self._finished = False
        self._drawn_count = -1
        self._schedule()

    def set_planned_epochs(self, epochs: int) -> None:
        """Size the epoch axis for a run of ``epochs`` before any point arrives."""
        self._planned = max(1, epochs)
        if not self.history:
            self._schedule()

    def add_epoch(self, stats: EpochStats) -> None:
        """Append one finished epoch (drawn with the next coalesced redraw)."""
        self.history.append(stats)
        self._finished = False
        self._schedule()

    def set_history(self, history: list[EpochStats]) -> None:
        """Show a whole run at once (e.g. the last run after reopening the page)."""
        self.history = list(history)
        # A finished run is shown as long as it was, not as long as it was planned.
        self._finished = True
        self._drawn_count = -1  # not necessarily the points drawn so far
        self._schedule()

    @property
    def pending(self) -> bool:
        """True while a change waits for the next redraw."""
        return self._redraw_timer.isActive()

    def flush(self) -> None:
        """Draw a pending change now rather than at the next redraw (the plots are made if need be)."""
        if not self._built:
            self._build()
        elif self._redraw_timer.isActive():
            self._redraw()

    def points(self) -> dict[str, list[float]]:
        """What each line shows (y values), pending changes included, for tests and the results summary."""
        self.flush()
        return {
            "train_loss": list(self.train_line.getData()[1] if len(self.history) else []),
            "val_loss": list(self.val_line.getData()[1] if len(self.history) else []),
            "val_accuracy": list(self.acc_line.getData()[1] if len(self.history) else []),
        }

    def phase_boundaries(self) -> list[float]:
        """Where the dashed phase lines are (between two epochs), pending changes included."""
        self.flush()
        return sorted({line.value() for _plot, line in self._phase_lines})

    def _schedule(self) -> None:
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _redraw(self) -> None:
        self._redraw_timer.stop()
        if not self._built:
            return  # recorded; drawn when the plots are made
        history = self.history
        epochs = [s.epoch for s in history]
        if len(history) != self._drawn_count:
            symbols = len(history) <= MAX_SYMBOLS
            if symbols != self._symbols:
                self._symbols = symbols
                for line in (self.train_line, self.val_line, self.acc_line):
                    line.setSymbol(SYMBOL if symbols else None)
            # NaN (an epoch with no batches) is drawn as a gap.
            train_loss = [_finite(s.train_loss) for s in history]
            val_loss = [_finite(s.val_loss) for s in history]
            self.train_line.setData(epochs, train_loss, connect="finite")
            self.val_line.setData(epochs, val_loss, connect="finite")
            self.acc_line.setData(epochs, [100.0 * s.val_accuracy for s in history])
            self._drawn_count = len(history)
            finite = [v for v in train_loss + val_loss if math.isfinite(v)]
            # From 0 to a round number above every loss so far: during a run it only ever grows.
            # With no points (a run starting) the axis stays as it is: the next run's first loss
            # is likely to need the same one, and re-laying out the axis is most of a redraw.
            if finite:
                self._set_loss_top(nice_ceiling(max(finite)))
            elif self._loss_top is None:
                self._set_loss_top(DEFAULT_LOSS_TOP)
        self._draw_phases(history)
        best = [s for s in history if s.best][-1:]
        best_key = tuple((s.epoch, s.val_accuracy) for s in best)
        if best_key != self._drawn_best:
            self.best_marker.setData([s.epoch for s in best], [100.0 * s.val_accuracy for s in best])
            self._drawn_best = best_key
        # The whole planned run from the start, so the line visibly advances towards the end.
        if not epochs:
            right = self._planned
        elif self._finished:
            right = max(epochs[-1], 2)
        else:
            right = max(epochs[-1], history[-1].epochs)
        if right != self._x_right:
            self._x_right = right
            # Epochs are whole numbers: ticks on whole epochs only, about ten of them at most.
            step = max(1, math.ceil(right / 10))
            for plot in (self.loss_plot, self.acc_plot):
                plot.setXRange(0.5, right + 0.5, padding=0)
                plot.getAxis("bottom").setTickSpacing(step, step)

    def _draw_phases(self, history: list[EpochStats]) -> None:
        changes = tuple(
            (after.epoch - 0.5, after.phase)
            for before, after in zip(history, history[1:], strict=False)
            if before.phase is not None and after.phase is not None and after.phase != before.phase
        )
        if changes == self._drawn_phases:
            return
        for plot, line in self._phase_lines:
            plot.removeItem(line)
        self._phase_lines = []
        import pyqtgraph as pg

        pen = pg.mkPen(PHASE_COLOUR, width=1, style=Qt.PenStyle.DashLine)
        for position, phase in changes:
            title = (QCoreApplication.translate("TrainingCurves", "new head") if phase is Regime.HEAD
                     else QCoreApplication.translate("TrainingCurves", "fine-tune"))
            # The label where the curves seldom are by then: at the top of the loss (losses fall), at
            # the bottom of the accuracy (accuracies rise; at the top it sat on the best epoch's star).
            for plot, at, anchor in ((self.loss_plot, 0.95, (0, 0)), (self.acc_plot, 0.05, (0, 1))):
                line = pg.InfiniteLine(position, angle=90, pen=pen, movable=False, label=title,
                                       labelOpts={"position": at, "color": PHASE_COLOUR, "anchors": [anchor, anchor]})
                plot.addItem(line)
                self._phase_lines.append((plot, line))
        self._drawn_phases = changes

    def _set_loss_top(self, top: float) -> None:
        if top != self._loss_top:
            self._loss_top = top
            # A little beyond 0..top, like the accuracy axis, so that both end ticks show.
            self.loss_plot.setYRange(-0.03 * top, 1.03 * top, padding=0)


def _finite(value: float) -> float:
    return value if math.isfinite(value) else float("nan")
