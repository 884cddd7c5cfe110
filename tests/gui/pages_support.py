"""Helpers shared by the Model / Train / Results / Classify page tests (not a conftest: plain imports).

Photos are generated: each class is noise around its own colour, so the real bundled backbone tells
them apart within an epoch or two and a whole training run takes seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for imagegen

import imagegen  # noqa: E402

CLASS_COLOURS = {"red": (200, 40, 40), "blue": (40, 60, 200), "green": (40, 170, 60)}


def write_learnable_classes(root: Path, counts: dict[str, int], size: int = 48, seed: int = 0) -> dict[str, list[Path]]:
    """``root/<class>/<class>_<i>.png``: noisy images around each class's colour, all different."""
    rng = np.random.default_rng(seed)
    paths: dict[str, list[Path]] = {}
    for label, n in counts.items():
        base = np.array(CLASS_COLOURS[label], dtype=np.int16)
        paths[label] = []
        for i in range(n):
            noise = rng.integers(-40, 40, (size, size, 3))
            pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
            paths[label].append(imagegen.save(Image.fromarray(pixels), root / label / f"{label}_{i}.png"))
    return paths


def isolate_caches(monkeypatch, tmp: Path) -> None:
    """Keep the feature cache and the torch hub folder (downloaded weights) inside the test's folder."""
    monkeypatch.setenv("TLGUI_CACHE_DIR", str(tmp / "feature-cache"))
    monkeypatch.setenv("TORCH_HOME", str(tmp / "torch-home"))



def train_small(root: Path, cache_dir: Path, epochs: int = 10):
    """A real (headless) training run on ``root`` with the bundled backbone, head only, cached."""
    from tlgui.core.data.bins import scan
    from tlgui.core.training.feature_cache import FeatureCache
    from tlgui.core.training.trainer import TrainConfig, train

    config = TrainConfig(epochs=epochs, freeze_level=0, device="cpu")
    dataset = scan([root])
    return dataset, train(dataset, config, cache=FeatureCache(cache_dir))


def dispose(window) -> None:
    """Close a MainWindow without the unsaved-changes question (qtbot.addWidget would close it too
    late). Background work the window started itself (the backbone loading) is let finish first, so
    that closing does not ask whether to stop it."""
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + 120
    while window._any_busy() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    window.controller.mark_clean()
    window.close()
    window.shutdown()
    window.deleteLater()


def small_run(tmp_path_factory, per_class: int = 8, epochs: int = 3):
    """(DataSet, TrainResult): a short head-only run on two generated classes, red and blue, each
    ``per_class`` photos, in folders of its own."""
    root = tmp_path_factory.mktemp("photos")
    write_learnable_classes(root, {"red": per_class, "blue": per_class})
    return train_small(root, tmp_path_factory.mktemp("cache"), epochs=epochs)
