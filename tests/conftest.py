"""Shared fixtures: generated learnable photos, the bundled backbone (built once), dataset paths."""

from __future__ import annotations

import os
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))  # for `import imagegen`

SHARED_DATASETS = TESTS.parent.parent / "shared" / "datasets"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Never touch the user's feature cache or torch hub folder from a test."""
    cache = tmp_path_factory.mktemp("feature-cache")
    old = os.environ.get("TLGUI_CACHE_DIR")
    os.environ["TLGUI_CACHE_DIR"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("TLGUI_CACHE_DIR", None)
    else:
        os.environ["TLGUI_CACHE_DIR"] = old


def shared_dataset(name: str) -> Path:
    """A folder under ../shared/datasets, or skip the test when it is absent."""
    path = SHARED_DATASETS / name
    if not path.is_dir():
        pytest.skip(f"{path} is not available")
    return path


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


@pytest.fixture
def learnable_tree(tmp_path):
    """A folder of class sub-folders: 12 red and 12 blue photos."""
    root = tmp_path / "photos"
    write_learnable_tree(root, {"red": 12, "blue": 12})
    return root


@pytest.fixture(scope="session")
def bundled_network():
    """The bundled EfficientNet-Lite0 with its ImageNet head, built once (callers must not modify it)."""
    from tlgui.core.backbones.catalogue import create_backbone

    return create_backbone("efficientnet_lite0")
