"""Model files: exact round trip, atomic saves, and a clear refusal of every kind of bad file."""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
import struct

import pytest
import safetensors.torch
import torch
from PIL import Image
from torch import nn

from tlgui.core.backbones import create_backbone, get_spec
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.errors import ModelFileError
from tlgui.core.files.versions import MODEL_FORMAT_VERSION
from tlgui.core.models import modelfile
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import (
    classifier_from_bytes,
    classifier_to_bytes,
    load_classifier,
    read_model_info,
    save_classifier,
)
from tlgui.core.training.summary import ModelMetrics, TrainingSummary

BACKBONE = "efficientnet_lite0"
CLASSES = ["ants", "bees", "wasps 黄蜂"]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    """The real bundled backbone with a 3-class head (built once for the module)."""
    net = replace_head(create_backbone(BACKBONE), len(CLASSES), seed=7).eval()
    return Classifier(
        network=net,
        class_names=list(CLASSES),
        backbone_id=BACKBONE,
        preprocessing=get_spec(BACKBONE).preprocessing,
        metrics=ModelMetrics.from_dict({"accuracy": 0.875, "recall": [1.0, 0.75, 0.5], "best_epoch": 4}, CLASSES),
        training=TrainingSummary.from_dict({"config": {"epochs": 5, "freeze_level": 0}, "regime": "head"}),
    )


@pytest.fixture(scope="module")
def model_bytes(classifier: Classifier) -> bytes:
    return classifier_to_bytes(classifier)


@pytest.fixture()
def model_path(tmp_path, model_bytes):
    path = tmp_path / "蜜蜂 model.safetensors"
    path.write_bytes(model_bytes)
    return path


@pytest.fixture()
def no_unpickling(monkeypatch):
    """Make every way of unpickling fail loudly: a model file must never reach them."""

    def forbidden(*_args, **_kwargs):
        raise AssertionError("a user file was unpickled")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(torch, "load", forbidden)


def _split(data: bytes) -> tuple[dict, bytes]:
    length = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def _join(header: dict, payload: bytes) -> bytes:
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + payload


def _with_meta(data: bytes, **changes) -> bytes:
    """The same file with fields of our metadata changed (None deletes a field)."""
    header, payload = _split(data)
    meta = json.loads(header["__metadata__"]["tlgui"])
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    header["__metadata__"]["tlgui"] = json.dumps(meta)
    return _join(header, payload)


def _tiny_network() -> StagedNetwork:
    conv = nn.Conv2d(3, 4, 3, padding=1)
    return StagedNetwork(
        [
            # The same module twice: its parameters share storage, which safetensors refuses as is.
            ("stem", nn.Sequential(conv, nn.BatchNorm2d(4), conv)),
            ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
            ("head", nn.Linear(4, 2)),
        ],
        backbone_id="tiny",
    )


# ---- round trip -----------------------------------------------------------------------------------
def test_round_trip_gives_identical_logits(classifier, model_path, no_unpickling):
    save_classifier(classifier, model_path)
    loaded = load_classifier(model_path)

    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        assert torch.equal(classifier.network(x), loaded.network(x))
    assert loaded.class_names == CLASSES
    assert loaded.backbone_id == BACKBONE
    assert loaded.preprocessing == classifier.preprocessing
    assert loaded.metrics == classifier.metrics
    assert loaded.training == classifier.training
    assert not loaded.network.training
    assert isinstance(loaded.network, StagedNetwork) and loaded.network.num_classes == 3


def test_file_is_plain_safetensors_with_fp32_state_dict(classifier, model_bytes):
    tensors = safetensors.torch.load(model_bytes)
    state = classifier.network.state_dict()
    assert tensors.keys() == state.keys()
    assert all(t.dtype == torch.float32 for t in tensors.values() if t.is_floating_point())
    assert torch.equal(tensors["stages.head.weight"], state["stages.head.weight"])


def test_read_model_info_returns_metadata_only(model_path, model_bytes):
    info = read_model_info(model_path)
    assert info["format"] == "tlgui-model"
    assert info["format_version"] == MODEL_FORMAT_VERSION
    assert info["class_names"] == CLASSES
    assert info["backbone_id"] == BACKBONE
    assert info["preprocessing"] == get_spec(BACKBONE).preprocessing.to_dict()
    assert info["metrics"]["accuracy"] == 0.875
    assert info["file_size_bytes"] == len(model_bytes)
    assert {"created", "tlgui_version", "payload_sha256"} <= info.keys()
    json.dumps(info)  # what `tlgui inspect` prints


def test_describe_is_json_able(classifier):
    described = classifier.describe()
    assert json.loads(json.dumps(described)) == described
    assert described["classes"] == CLASSES and described["backbone"] == BACKBONE


def test_shared_and_channels_last_tensors_are_saved():
    net = _tiny_network().to(memory_format=torch.channels_last)
    tiny = Classifier(net, ["a", "b"], "tiny", Preprocessing(input_size=32, resize_size=32))
    tensors = safetensors.torch.load(classifier_to_bytes(tiny))
    for name, value in net.state_dict().items():
        assert torch.equal(tensors[name], value)
        assert tensors[name].is_contiguous()


def test_saving_leaves_the_network_untouched(classifier):
    before = copy.deepcopy(classifier.network.state_dict())
    classifier_to_bytes(classifier)
    after = classifier.network.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


# ---- atomic writes ------------------------------------------------------------------------------
def test_failed_save_keeps_the_old_file(classifier, model_path, model_bytes, monkeypatch):
    def crash(_fd):
        raise OSError(28, "No space left on device")

    # fsync runs after the new bytes went into the temporary file: the write fails midway.
    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        save_classifier(classifier, model_path)
    assert model_path.read_bytes() == model_bytes
    assert sorted(p.name for p in model_path.parent.iterdir()) == [model_path.name]


def test_failed_serialisation_writes_nothing(classifier, tmp_path, monkeypatch):
    def crash(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(modelfile, "safetensors_to_bytes", crash)
    target = tmp_path / "new.safetensors"
    with pytest.raises(RuntimeError):
        save_classifier(classifier, target)
    assert list(tmp_path.iterdir()) == []


# ---- bad files ----------------------------------------------------------------------------------
def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _pth(legacy: bool) -> bytes:
    buffer = io.BytesIO()
    torch.save({"w": torch.ones(3)}, buffer, _use_new_zipfile_serialization=not legacy)
    return buffer.getvalue()


def _foreign_safetensors(metadata: dict | None) -> bytes:
    return safetensors.torch.save({"weight": torch.ones(2, 2)}, metadata=metadata)


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF])


def _safetensors_with_640_byte_header() -> bytes:
    # A length prefix of 640 starts with bytes 80 02, a pickle's first two bytes: still safetensors.
    header, payload = _split(_foreign_safetensors(None))
    raw = json.dumps(header).encode()
    return struct.pack("<Q", 640) + raw + b" " * (640 - len(raw)) + payload


def _bad_json_header(data: bytes) -> bytes:
    length = struct.unpack("<Q", data[:8])[0]
    return data[:8] + b"{" + b"x" * (length - 1) + data[8 + length :]


BAD_FILES = {
    "empty": (lambda good: b"", "empty"),
    "a few bytes": (lambda good: b"abc", "too short"),
    "truncated weights": (lambda good: good[: len(good) // 2], "truncated"),
    "truncated header": (lambda good: good[:200], "truncated"),
    "flipped byte": (_flip_last_byte, "checksum"),
    "extra bytes": (lambda good: good + b"\0" * 16, "unexpected bytes"),
    "garbage header": (_bad_json_header, "header is not readable"),
    "random bytes": (lambda good: bytes(range(256)) * 8, "not a tlgui model file"),
    "png": (lambda good: _png(), "PNG image"),
    "pickle pth": (lambda good: _pth(legacy=True), "pickled"),
    "zip pth": (lambda good: _pth(legacy=False), "zip archive"),
    "foreign safetensors": (lambda good: _foreign_safetensors(None), "no tlgui metadata"),
    "pickle-like length": (lambda good: _safetensors_with_640_byte_header(), "no tlgui metadata"),
    "other metadata": (lambda good: _foreign_safetensors({"format": "pt"}), "no tlgui metadata"),
    "wrong format name": (lambda good: _with_meta(good, format="other"), "unknown format"),
    "newer version": (lambda good: _with_meta(good, format_version=99, tlgui_version="9.0"), "newer version"),
    "no version": (lambda good: _with_meta(good, format_version=None), "format version"),
    "no classes": (lambda good: _with_meta(good, class_names=None), "lacks class_names"),
    "duplicate classes": (lambda good: _with_meta(good, class_names=["a", "a", "b"]), "class names"),
    "bad preprocessing": (lambda good: _with_meta(good, preprocessing={"input_size": 1}), "preprocessing"),
    "unknown backbone": (lambda good: _with_meta(good, backbone_id="resnet9000"), "does not know"),
    "class count mismatch": (lambda good: _with_meta(good, class_names=["a", "b"]), "do not fit"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_raise_model_file_error(case, tmp_path, model_bytes, no_unpickling):
    make, expected = BAD_FILES[case]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(make(model_bytes))
    with pytest.raises(ModelFileError) as caught:
        load_classifier(path)
    message = str(caught.value)
    assert expected in message
    assert str(path) in message and message.endswith(".")


@pytest.mark.parametrize("case", ["empty", "truncated weights", "png", "pickle pth", "newer version"])
def test_read_model_info_refuses_bad_files(case, tmp_path, model_bytes, no_unpickling):
    make, expected = BAD_FILES[case]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(make(model_bytes))
    with pytest.raises(ModelFileError, match=expected):
        read_model_info(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_classifier(tmp_path / "nothing.safetensors")
    with pytest.raises(ModelFileError, match="folder"):
        load_classifier(tmp_path)


def test_bytes_errors_name_their_source(model_bytes):
    with pytest.raises(ModelFileError, match="^The model inside x.tlgui is truncated"):
        classifier_from_bytes(model_bytes[:-100], source="The model inside x.tlgui")
