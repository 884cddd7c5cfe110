"""The confusion matrix keeps long class names apart and within bounds."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tlgui.gui.widgets.confusion_view import ROW_NAMES_MAX_WIDTH, ConfusionView

LONG = ["cardboard_and_paper_boxes_outside", "cardboard_and_paper_boxes_inside", "glass"]


def test_long_names_keep_both_ends_and_the_row_names_their_bound(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.set_matrix(LONG, [[5, 1, 0], [2, 4, 0], [0, 0, 6]])
    view.resize(640, 360)
    view.show()
    qtbot.waitExposed(view)
    rows, columns = view.table.verticalHeader(), view.table.horizontalHeader()
    # Shortened in the middle, so "…outside" and "…inside" still read apart; in full on hover.
    assert rows.textElideMode() == columns.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert rows.width() <= ROW_NAMES_MAX_WIDTH
    assert all(columns.sectionSize(i) > 0 for i in range(3))
    tip = view.model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert LONG[0] in tip
