"""The freeze dial: how many stages before the head train, the parameter count, the recommendation.

It only shows what the engine's ``FreezePlan`` says and announces the user's choices; the owner turns
them into settings.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSlider, QWidget

from tlgui.gui.widgets.progress_text import format_count


class FreezeControl(QWidget):
    """A slider over ``freeze_level_names(net)`` from "Head only" (left) to "Everything" (right).

    Emits ``levelChosen(level)`` when the user moves the slider and ``applyRecommendation()`` when
    the one-click button is pressed. The owner applies them to the network and calls the setters.
    """

    levelChosen = Signal(int)
    applyRecommendation = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._names: list[str] = []
        self._recommended: int | None = None
        self._setting = False

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setPageStep(1)
        # Releasing (or a keyboard step) chooses; dragging only previews the name, so a drag across
        # ten levels does not refreeze the network ten times.
        self.slider.setTracking(False)
        self.slider.valueChanged.connect(self._on_value_changed)
        self.slider.sliderMoved.connect(self._preview)
        # The two ends of the dial, under the slider, so its direction needs no explaining.
        self.left_end = QLabel(self.tr("◂ less: head only"))
        self.right_end = QLabel(self.tr("more: everything ▸"))
        for end in (self.left_end, self.right_end):
            end.setStyleSheet("color: gray;")
        self.level_label = QLabel()
        self.level_label.setTextFormat(Qt.TextFormat.PlainText)
        self.counts_label = QLabel()
        self.recommend_label = QLabel()
        self.recommend_label.setWordWrap(True)
        self.apply_button = QPushButton(self.tr("Apply recommendation"))
        self.apply_button.clicked.connect(self.applyRecommendation)
        self.note_label = QLabel()  # hand-set choices the network has no layer for
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #8a5300;")
        self.note_label.setVisible(False)

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Train:")), 0, 0)
        layout.addWidget(self.slider, 0, 1)
        layout.addWidget(self.level_label, 0, 2)
        layout.addWidget(self.left_end, 1, 1, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.right_end, 1, 1, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.counts_label, 2, 0, 1, 3)
        layout.addWidget(self.recommend_label, 3, 0, 1, 3)
        layout.addWidget(self.apply_button, 4, 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.note_label, 5, 0, 1, 3)
        layout.setColumnStretch(1, 1)
        self.level_label.setMinimumWidth(220)
        self.set_levels([])

    # -- owner's side ---------------------------------------------------------------------------

    def set_levels(self, names: list[str]) -> None:
        """The level names of the current network (empty: no network yet, the dial is off)."""
        self._names = list(names)
        self._setting = True
        try:
            self.slider.setRange(0, max(0, len(names) - 1))
        finally:
            self._setting = False
        self.setEnabled(bool(names))
        if not names:
            self.level_label.setText("")
            self.counts_label.setText("")
            self.recommend_label.setText("")
            self.set_note("")

    def set_level(self, level: int) -> None:
        """Show ``level`` without announcing it (it came from the network, not the user)."""
        self._setting = True
        try:
            self.slider.setValue(level)
        finally:
            self._setting = False
        self._show_name(level)

    def level(self) -> int:
        return self.slider.value()

    def set_counts(self, trainable: int, total: int) -> None:
        share = 100.0 * trainable / total if total else 0.0
        self.counts_label.setText(
            self.tr("Trainable parameters: {trainable} of {total} ({share}%)").format(
                trainable=format_count(trainable), total=format_count(total), share=f"{share:.1f}")
        )

    def set_recommendation(self, level: int | None, reason: str) -> None:
        """The recommended level for the current data (None: nothing to recommend yet)."""
        self._recommended = level
        if level is None or not self._names:
            self.recommend_label.setText(reason)
            self.apply_button.setEnabled(False)
            return
        name = self._names[min(level, len(self._names) - 1)]
        self.recommend_label.setText(self.tr("Recommended: {name}. {reason}").format(name=name, reason=reason))
        self._update_apply_button()

    def set_note(self, text: str) -> None:
        """A remark under the dial (which hand-set choices were ignored); "" hides it."""
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))

    # -- internals ------------------------------------------------------------------------------

    def _show_name(self, level: int) -> None:
        if self._names:
            self.level_label.setText(self._names[min(level, len(self._names) - 1)])
        self._update_apply_button()

    def _update_apply_button(self) -> None:
        self.apply_button.setEnabled(self._recommended is not None and self._recommended != self.slider.value())

    def _preview(self, level: int) -> None:
        self._show_name(level)

    def _on_value_changed(self, level: int) -> None:
        self._show_name(level)
        if not self._setting:
            self.levelChosen.emit(level)
