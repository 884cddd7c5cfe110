"""The training settings form: a view of ``TrainConfig`` that edits a copy, never the original."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tlgui.core.runtime.device import DEVICE_KINDS
from tlgui.core.training.config import AUGMENT_STRENGTHS, MAX_LEARNING_RATE, TrainConfig

_DEVICE_TITLES = {"auto": "Automatic (fastest available)", "cuda": "NVIDIA GPU (CUDA)", "mps": "Apple GPU (MPS)",
                  "cpu": "CPU"}


def _note() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: gray;")
    label.setVisible(False)
    return label


class TrainSettingsForm(QWidget):
    """Epochs, batch size, learning rate (blank = automatic), augmentation, validation share, device, cache.

    ``changed`` fires after any edit; ``config(base)`` returns ``base`` with the form's values.
    The owner says what the data and the freeze level allow through ``set_predefined_split`` and
    ``set_cache_allowed``.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._loading = False
        self._cache_allowed = True
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 1024)
        self.learning_rate = QLineEdit()
        self.learning_rate.setPlaceholderText("automatic")
        validator = QDoubleValidator(1e-7, 10.0, 8, self)
        validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
        self.learning_rate.setValidator(validator)
        self.learning_rate.setToolTip("Leave blank to let tlgui choose (higher for the head alone).")
        self.augment = QCheckBox("On")
        self.augment.setToolTip("Random crops, flips and colour changes of the training photos.")
        self.strength = QComboBox()
        self.strength.addItems(list(AUGMENT_STRENGTHS))
        self.cached_views = QSpinBox()
        self.cached_views.setRange(0, 20)
        self.cached_views.setToolTip(
            "On the cached path each training photo is stored in this many extra random variants; "
            "more variants cost extraction time once and help against overfitting."
        )
        self.val_fraction = QDoubleSpinBox()
        self.val_fraction.setRange(0.05, 0.5)
        self.val_fraction.setSingleStep(0.05)
        self.val_fraction.setDecimals(2)
        self.val_note = _note()
        self.device = QComboBox()
        # Every kind until torch has looked for them (it loads after the window opens): set_devices.
        self.set_devices(DEVICE_KINDS)
        self.use_cache = QCheckBox("Use cached features")
        self.use_cache.setToolTip("The frozen layers run once per photo and are remembered, so epochs take seconds.")
        self.cache_note = _note()
        self._build_layout()
        for spin in (self.epochs, self.batch_size, self.cached_views):
            spin.valueChanged.connect(self._on_edit)
        self.val_fraction.valueChanged.connect(self._on_edit)
        self.learning_rate.editingFinished.connect(self._on_edit)
        for box in (self.augment, self.use_cache):
            box.toggled.connect(self._on_edit)
        for combo in (self.strength, self.device):
            combo.currentIndexChanged.connect(self._on_edit)
        self.load(TrainConfig())

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("Epochs:", self.epochs)
        form.addRow("Batch size:", self.batch_size)
        form.addRow("Learning rate:", self.learning_rate)
        augment_row = QHBoxLayout()
        augment_row.addWidget(self.augment)
        augment_row.addSpacing(8)
        augment_row.addWidget(QLabel("strength"))
        augment_row.addWidget(self.strength)
        augment_row.addStretch(1)
        form.addRow("Augmentation:", augment_row)
        form.addRow("Cached variants per photo:", self.cached_views)
        form.addRow("Validation share:", self.val_fraction)
        form.addRow("", self.val_note)
        form.addRow("Device:", self.device)
        form.addRow("Speed:", self.use_cache)
        form.addRow("", self.cache_note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)

    # -- values ---------------------------------------------------------------------------------

    def load(self, config: TrainConfig) -> None:
        """Show ``config`` without announcing a change."""
        self._loading = True
        try:
            self.epochs.setValue(config.epochs)
            self.batch_size.setValue(config.batch_size)
            self.learning_rate.setText("" if config.learning_rate is None else f"{config.learning_rate:g}")
            self.augment.setChecked(config.augment)
            self.strength.setCurrentText(config.augment_strength)
            self.cached_views.setValue(config.cached_views)
            self.val_fraction.setValue(config.val_fraction)
            index = self.device.findData(config.device)
            self.device.setCurrentIndex(index if index >= 0 else 0)
            self.use_cache.setChecked(config.use_cache)
        finally:
            self._loading = False
        self._update_enabled()

    def set_devices(self, kinds: Sequence[str]) -> None:
        """Offer "auto" and ``kinds`` (``available_devices()``); the choice shown stays if still offered."""
        current = self.device.currentData()
        self._loading = True
        try:
            self.device.clear()
            for kind in ["auto", *kinds]:
                self.device.addItem(_DEVICE_TITLES.get(kind, kind), kind)
            index = self.device.findData(current)
            self.device.setCurrentIndex(index if index >= 0 else 0)
        finally:
            self._loading = False

    def config(self, base: TrainConfig) -> TrainConfig:
        """``base`` with the values of the form (freeze settings and the rest come from ``base``)."""
        text = self.learning_rate.text().strip().replace(",", ".")
        try:
            rate = float(text) if text else None
        except ValueError:
            rate = None  # a half-typed number means "automatic" rather than an error mid-edit
        return replace(
            base,
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            learning_rate=rate if rate and 0 < rate <= MAX_LEARNING_RATE else None,
            augment=self.augment.isChecked(),
            augment_strength=self.strength.currentText(),
            cached_views=self.cached_views.value(),
            val_fraction=round(self.val_fraction.value(), 4),
            device=self.device.currentData(),
            use_cache=self.use_cache.isChecked(),
        )

    # -- what the data and the freeze level allow ---------------------------------------------------

    def set_predefined_split(self, predefined: bool) -> None:
        """Photos that came in train/ and val/ folders keep that split; the share does not apply."""
        self.val_fraction.setEnabled(not predefined)
        self.val_note.setText("Your photos came with their own train/val folders; that split is used.")
        self.val_note.setVisible(predefined)

    def set_cache_allowed(self, allowed: bool) -> None:
        """Caching needs frozen layers below the trainable part; with everything training it cannot apply."""
        self._cache_allowed = allowed
        self.cache_note.setText("Not available when the whole network trains: every layer changes each step.")
        self.cache_note.setVisible(not allowed)
        self._update_enabled()

    def cache_in_effect(self) -> bool:
        return self.use_cache.isChecked() and self._cache_allowed

    def _update_enabled(self) -> None:
        allowed = self._cache_allowed
        self.use_cache.setEnabled(allowed)
        self.strength.setEnabled(self.augment.isChecked())
        # Variants exist only on the cached path and only when augmenting.
        self.cached_views.setEnabled(allowed and self.use_cache.isChecked() and self.augment.isChecked())

    def _on_edit(self, *_args) -> None:
        self._update_enabled()
        if not self._loading:
            self.changed.emit()
