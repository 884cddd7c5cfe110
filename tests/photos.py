"""Generated photos a pretrained network can learn from a handful of: one tint per class."""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

# Colours far apart for a pretrained network: the classes are learnable from a handful of photos.
CLASS_TINTS = {"red": (200, 40, 40), "blue": (40, 60, 200), "green": (40, 170, 60)}


def write_learnable_photo(path: Path, label: str, index: int, size: tuple[int, int] = (80, 60)) -> Path:
    """A noisy photo tinted by its class, with a random bright square so no two are alike."""
    rng = np.random.default_rng(zlib.crc32(f"{label}:{index}".encode()))
    base = np.array(CLASS_TINTS[label], dtype=np.float32)
    pixels = base + rng.normal(0, 25, (size[1], size[0], 3))
    x, y = rng.integers(0, size[0] // 2), rng.integers(0, size[1] // 2)
    pixels[y : y + size[1] // 3, x : x + size[0] // 3] += 60
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)
    return path


def write_learnable_tree(root: Path, counts: dict[str, int], suffix: str = ".jpg", start: int = 0) -> dict[str, list[Path]]:
    """``root/<label>/<label>_<i><suffix>`` for each label in CLASS_TINTS."""
    return {
        label: [write_learnable_photo(root / label / f"{label}_{i}{suffix}", label, i) for i in range(start, start + n)]
        for label, n in counts.items()
    }


def settle(*paths: Path) -> None:
    """Date the files an hour back, as photos on a disk are: modified long before anything reads them."""
    an_hour_ago = time.time_ns() - 3600 * 10**9
    for path in paths:
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
