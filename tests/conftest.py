"""Shared fixtures: generated learnable photos, the bundled backbone (built once), dataset paths."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import tlgui  # noqa: F401 - before any test imports torch: it sets how torch's threads wait

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))  # for `import imagegen`

SHARED_DATASETS = TESTS.parent.parent / "shared" / "datasets"

from photos import write_learnable_tree  # noqa: E402


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


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory):
    """(folder, model file): ``tlgui train`` of two learnable classes, head only, made once for the
    command-line tests."""
    from tlgui.cli.main import main

    root = tmp_path_factory.mktemp("cli")
    write_learnable_tree(root / "photos", {"red": 10, "blue": 10})
    out = root / "model.safetensors"
    assert main(["train", str(root / "photos"), "--epochs", "4", "--freeze", "head", "--out", str(out), "--quiet"]) == 0
    return root, out
