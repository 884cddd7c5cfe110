"""Cached activations are keyed by the bytes actually decoded; a file's stamp is trusted only unchanged."""

from __future__ import annotations

import copy
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from photos import settle, write_learnable_photo

import tlgui.core.training.extraction as extract
from tlgui.core.backbones.catalogue import get_spec
from tlgui.core.errors import ImageDecodeError
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training.cache_key import FileStamp, cache_namespace
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, compute_activations, read_photo
from tlgui.core.training.feature_cache import FeatureCache

# Plain fp32, one layout: the same bytes give exactly the same activations.
EXACT = InferenceSettings(channels_last=False, autocast_dtype=None)


class Trunk:
    """The bundled network's frozen trunk up to its pooled features, counting the images it computes."""

    def __init__(self, network, monkeypatch):
        self.net = network.eval()
        self.boundary = len(network.stage_names) - 1
        self.recipe = ViewRecipe(get_spec(network.backbone_id).preprocessing)
        self.images = 0
        original = extract.run_trunk

        def counting(net, boundary, batch, prep, settings):
            self.images += batch.shape[0]
            return original(net, boundary, batch, prep, settings)

        monkeypatch.setattr(extract, "run_trunk", counting)

    def __call__(self, paths, cache):
        requests = [ViewRequest(p) for p in paths]
        found, failures = compute_activations(
            self.net, self.boundary, requests, self.recipe, EXACT, cache=cache, namespace="test"
        )
        assert not failures
        return [found[r] for r in requests]


def test_a_photo_just_modified_is_not_remembered_and_a_settled_one_is(tmp_path):
    path = write_learnable_photo(tmp_path / "p.png", "red", 0)
    with read_photo(path) as fresh:
        assert fresh.stamp is None and fresh.data == path.read_bytes()
    settle(path)
    with read_photo(path) as settled:
        assert settled.stamp == FileStamp.of(os.stat(path))
        assert settled.digest == fresh.digest


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_pipe_in_place_of_a_photo_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "p.jpg"
    os.mkfifo(pipe)
    with pytest.raises(ImageDecodeError) as info, read_photo(pipe):
        pass
    assert "pipe" in info.value.reason


def test_a_photo_rewritten_with_its_old_size_and_time_is_read_again(tmp_path, bundled_network, monkeypatch):
    trunk = Trunk(bundled_network, monkeypatch)
    cache = FeatureCache(tmp_path / "c")
    # BMP: photos of the same dimensions have the same number of bytes.
    path = write_learnable_photo(tmp_path / "photo.bmp", "red", 0)
    settle(path)
    [red] = trunk([path], cache)
    before = os.stat(path)
    write_learnable_photo(path, "blue", 0)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a tool that keeps times would
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns

    [cached] = trunk([path], cache)
    [plain] = trunk([path], None)
    np.testing.assert_array_equal(cached, plain)
    assert not np.array_equal(cached, red)
    assert trunk.images == 3  # red once, then blue: never taken from the red photo's entry


def test_the_same_bytes_under_another_name_come_from_the_cache(tmp_path, bundled_network, monkeypatch):
    trunk = Trunk(bundled_network, monkeypatch)
    cache = FeatureCache(tmp_path / "c")
    first = write_learnable_photo(tmp_path / "a" / "photo.jpg", "red", 0)
    [computed] = trunk([first], cache)
    moved = tmp_path / "b" / "renamed.jpg"
    moved.parent.mkdir()
    shutil.move(first, moved)
    [found] = trunk([moved], cache)
    np.testing.assert_array_equal(found, computed)
    assert trunk.images == 1


def _computed_once_then_never_read(paths, tmp_path, bundled_network, monkeypatch) -> None:
    """Settled photos through a cold cache, then a warm one that must neither read nor recompute them."""
    settle(*paths)
    trunk = Trunk(bundled_network, monkeypatch)
    cache = FeatureCache(tmp_path / "c")
    computed = trunk(paths, cache)

    def no_reading(path):
        raise AssertionError(f"{path} was read on a warm cache")

    monkeypatch.setattr(extract, "read_photo", no_reading)
    for a, b in zip(trunk(paths, cache), computed, strict=True):
        np.testing.assert_array_equal(a, b)
    assert trunk.images == len(paths)


def test_settled_photos_are_not_even_read_on_a_warm_cache(tmp_path, bundled_network, monkeypatch):
    paths = [write_learnable_photo(tmp_path / f"{i}.jpg", "blue", i) for i in range(3)]
    _computed_once_then_never_read(paths, tmp_path, bundled_network, monkeypatch)


@pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin", reason="this file system takes only valid Unicode names")
def test_photos_named_in_no_utf8_are_cached_and_remembered(tmp_path, bundled_network, monkeypatch):
    # A Latin-1 folder and file name, as old cameras and archives wrote them: Python reads them with
    # lone surrogates, which neither SQLite nor UTF-8 takes.
    folder = os.path.join(os.fsencode(tmp_path), b"caf\xe9s")
    os.makedirs(folder)
    paths = [write_learnable_photo(Path(os.fsdecode(os.path.join(folder, b"\xff%d.jpg" % i))), "red", i)
             for i in range(2)]
    _computed_once_then_never_read(paths, tmp_path, bundled_network, monkeypatch)


def test_the_namespace_changes_with_the_frozen_weights_only(bundled_network):
    net = copy.deepcopy(bundled_network)
    boundary = len(net.stage_names) - 1
    recipe_key = ViewRecipe(get_spec(net.backbone_id).preprocessing).key()
    base = cache_namespace(net, boundary, recipe_key)
    with torch.no_grad():
        net.stages["head"].weight.add_(1.0)  # trainable: not part of what is cached
    assert cache_namespace(net, boundary, recipe_key) == base
    with torch.no_grad():
        next(net.stages["stem"].parameters()).add_(1e-3)
    assert cache_namespace(net, boundary, recipe_key) != base
    assert cache_namespace(net, boundary, recipe_key, "torch.bfloat16") != cache_namespace(net, boundary, recipe_key)
