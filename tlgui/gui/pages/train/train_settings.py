"""The training settings form: a view of ``TrainConfig`` that edits a copy, never the original.

Every setting it shows does something for the planned regime, or a note under it says plainly
what it does not do there (``set_regime``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
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

from tlgui.core.plan.regime import Regime
from tlgui.core.runtime.device import DEVICE_KINDS
from tlgui.core.training.config import AUGMENT_STRENGTHS, MAX_LEARNING_RATE, TrainConfig

_DEVICE_TITLES = {
    "auto": QT_TRANSLATE_NOOP("TrainSettingsForm", "Automatic (fastest available)"),
    "cuda": QT_TRANSLATE_NOOP("TrainSettingsForm", "NVIDIA GPU (CUDA)"),
    "mps": QT_TRANSLATE_NOOP("TrainSettingsForm", "Apple GPU (MPS)"),
    "cpu": QT_TRANSLATE_NOOP("TrainSettingsForm", "CPU"),
}
# The augmentation strengths as the window names them; the stored values are the keys.
_STRENGTH_TITLES = {
    "light": QT_TRANSLATE_NOOP("TrainSettingsForm", "light"),
    "medium": QT_TRANSLATE_NOOP("TrainSettingsForm", "medium"),
    "strong": QT_TRANSLATE_NOOP("TrainSettingsForm", "strong"),
}


def _note() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: gray;")
    label.setVisible(False)
    return label


class TrainSettingsForm(QWidget):
    """Epochs, batch size, learning rate (blank = automatic), augmentation, validation share, device, cache.

    ``changed`` fires after any edit; ``config(base)`` returns ``base`` with the form's values.
    The owner says what the data and the freeze level call for through ``set_predefined_split`` and
    ``set_regime``.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._loading = False
        self._regime = Regime.HEAD
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setToolTip(self.tr(
            "Each phase trains at most this many epochs: the new head, then, when more than the head trains, "
            "the fine-tune. Early stopping often ends a phase sooner."))
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 1024)
        self.learning_rate = QLineEdit()
        self.learning_rate.setPlaceholderText(self.tr("automatic"))
        validator = QDoubleValidator(1e-7, 10.0, 8, self)
        validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
        self.learning_rate.setValidator(validator)
        self.learning_rate.setToolTip(self.tr("Leave blank to let tlgui choose (higher for the head alone)."))
        self.augment = QCheckBox(self.tr("On"))
        self.augment.setToolTip(self.tr("Random crops, flips and colour changes of the training photos."))
        self.strength = QComboBox()
        for strength in AUGMENT_STRENGTHS:
            self.strength.addItem(self.tr(_STRENGTH_TITLES.get(strength, strength)), strength)
        self.cached_views = QSpinBox()
        self.cached_views.setRange(0, 20)
        self.cached_views.setToolTip(self.tr(
            "Training on cached features sees augmentation only through these stored random variants "
            "of each training photo; each costs one more pass over the photos, once."
        ))
        self.augment_note = _note()
        self.val_fraction = QDoubleSpinBox()
        self.val_fraction.setRange(0.05, 0.5)
        self.val_fraction.setSingleStep(0.05)
        self.val_fraction.setDecimals(2)
        self.val_note = _note()
        self.device = QComboBox()
        # Every kind until torch has looked for them (it loads after the window opens): set_devices.
        self.set_devices(DEVICE_KINDS)
        self.use_cache = QCheckBox(self.tr("Use cached features"))
        self.use_cache.setToolTip(self.tr(
            "The frozen layers run once per photo and are remembered, so epochs take seconds and the next "
            "run starts at once. Off: they are computed for this run only.")
        )
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
        form.addRow(self.tr("Epochs per phase:"), self.epochs)
        form.addRow(self.tr("Batch size:"), self.batch_size)
        form.addRow(self.tr("Learning rate:"), self.learning_rate)
        augment_row = QHBoxLayout()
        augment_row.addWidget(self.augment)
        augment_row.addSpacing(8)
        augment_row.addWidget(QLabel(self.tr("strength")))
        augment_row.addWidget(self.strength)
        augment_row.addStretch(1)
        form.addRow(self.tr("Augmentation:"), augment_row)
        form.addRow(self.tr("Cached variants per photo:"), self.cached_views)
        form.addRow("", self.augment_note)
        form.addRow(self.tr("Validation share:"), self.val_fraction)
        form.addRow("", self.val_note)
        form.addRow(self.tr("Device:"), self.device)
        form.addRow(self.tr("Speed:"), self.use_cache)
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
            if (index := self.strength.findData(config.augment_strength)) >= 0:
                self.strength.setCurrentIndex(index)
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
                self.device.addItem(self.tr(_DEVICE_TITLES[kind]) if kind in _DEVICE_TITLES else kind, kind)
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
            augment_strength=self.strength.currentData() or self.strength.currentText(),
            cached_views=self.cached_views.value(),
            val_fraction=round(self.val_fraction.value(), 4),
            device=self.device.currentData(),
            use_cache=self.use_cache.isChecked(),
        )

    # -- what the data and the freeze level allow ---------------------------------------------------

    def set_predefined_split(self, predefined: bool) -> None:
        """Photos that came in train/ and val/ folders keep that split; the share does not apply."""
        self.val_fraction.setEnabled(not predefined)
        self.val_note.setText(self.tr("Your photos came with their own train/val folders; that split is used."))
        self.val_note.setVisible(predefined)

    def set_regime(self, regime: Regime) -> None:
        """What the planned freeze level trains: it decides what the cache and augmentation do."""
        self._regime = Regime(regime)
        self._update_enabled()

    def cache_in_effect(self) -> bool:
        return self.use_cache.isChecked()

    def _update_enabled(self) -> None:
        augment, cached = self.augment.isChecked(), self.use_cache.isChecked()
        self.strength.setEnabled(augment)
        # Every run trains the head on features computed once (cached or not): variants are how it
        # sees augmentation, and so does a fine-tune on cached activations.
        self.cached_views.setEnabled(augment)
        full = self._regime is Regime.FULL
        self.cache_note.setText(self.tr(
            "With every layer training, only the first phase (the new head) uses the cache; the fine-tune "
            "recomputes the whole network each epoch."
        ))
        self.cache_note.setVisible(full and cached)
        self.augment_note.setText(self._augment_note(augment, cached))
        self.augment_note.setVisible(bool(self.augment_note.text()))

    def _augment_note(self, augment: bool, cached: bool) -> str:
        if not augment or self.cached_views.value() > 0:
            return ""
        streamed = self._regime is Regime.FULL or (self._regime is Regime.PARTIAL and not cached)
        if streamed:
            return self.tr("With 0 variants the new head trains on each photo's plain crop; the fine-tune that "
                           "follows augments its photos every epoch.")
        if self._regime is Regime.PARTIAL:
            # A partial fine-tune on the cache has augmented variants of its own (FINE_TUNE_CACHED_VIEWS).
            return self.tr("With 0 variants the new head trains on each photo's plain crop; the fine-tune that "
                           "follows trains on augmented variants of each photo too, cached once.")
        return self.tr("With 0 variants augmentation does not apply: training on cached features sees each photo's "
                       "plain crop. Set variants to use it (each costs one more pass over the photos, once).")

    def _on_edit(self, *_args) -> None:
        self._update_enabled()
        if not self._loading:
            self.changed.emit()
