"""Model files: exact round trip, atomic saves, and a clear refusal of every kind of bad file."""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
import signal
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
import safetensors.torch
import torch
from modelfile_bytes import format_1_bytes, join, meta_of, signed, split, with_meta
from PIL import Image
from torch import nn

from tlgui.cli.main import main
from tlgui.core.backbones import create_backbone, get_spec, import_weights
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.backbones.weights import check_state_dict, load_state_dict_file
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
from tlgui.core.training.summary import EpochStats, ModelMetrics, TrainingSummary

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
        metrics=ModelMetrics.from_dict(
            {
                "accuracy": 0.875,
                "precision": dict(zip(CLASSES, [1.0, 0.6, 1.0], strict=True)),
                "recall": dict(zip(CLASSES, [1.0, 0.75, 0.5], strict=True)),
                "best_epoch": 4,
            },
            CLASSES,
        ),
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


def test_a_model_saved_again_is_the_same_file_dated_when_it_was_made(classifier, tmp_path):
    # Every save wrote the time of the save: a project's unchanged runs changed at each save, and an
    # exported run said it was made when it was exported.
    first, again = tmp_path / "first.safetensors", tmp_path / "again.safetensors"
    save_classifier(classifier, first)
    loaded = load_classifier(first)
    assert loaded.created == classifier.created == read_model_info(first)["created"]
    time.sleep(1.1)  # "created" is written to the second
    save_classifier(loaded, again)
    assert again.read_bytes() == first.read_bytes()


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
    assert {"created", "tlgui_version", "integrity_sha256"} <= info.keys()
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
    header, payload = split(_foreign_safetensors(None))
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
    # One bad byte at the front of a whole file declares a header longer than the file: that is
    # damage to the length, and "truncated" sent users looking for the rest of a complete file.
    "damaged length prefix": (lambda good: b"XXXX" + good[4:], "is damaged: its first 8 bytes declare a header"),
    "flipped byte": (_flip_last_byte, "checksum"),
    "extra bytes": (lambda good: good + b"\0" * 16, "unexpected bytes"),
    "garbage header": (_bad_json_header, "not valid JSON"),
    "random bytes": (lambda good: bytes(range(256)) * 8, "not a tlgui model file"),
    "png": (lambda good: _png(), "PNG image"),
    "pickle pth": (lambda good: _pth(legacy=True), "pickled"),
    "zip pth": (lambda good: _pth(legacy=False), "zip archive"),
    "foreign safetensors": (lambda good: _foreign_safetensors(None), "no tlgui metadata"),
    "pickle-like length": (lambda good: _safetensors_with_640_byte_header(), "no tlgui metadata"),
    "other metadata": (lambda good: _foreign_safetensors({"format": "pt"}), "no tlgui metadata"),
    "wrong format name": (lambda good: with_meta(good, format="other"), "unknown format"),
    "newer version": (lambda good: with_meta(good, format_version=99, tlgui_version="9.0"), "newer version"),
    "no version": (lambda good: with_meta(good, format_version=None), "format version"),
    "no classes": (lambda good: with_meta(good, class_names=None), "lacks class_names"),
    "duplicate classes": (lambda good: with_meta(good, class_names=["a", "a", "b"]), "class names"),
    "bad preprocessing": (lambda good: with_meta(good, preprocessing={"input_size": 1}), "preprocessing"),
    "unknown backbone": (lambda good: with_meta(good, backbone_id="resnet9000"), "does not know"),
    "class count mismatch": (lambda good: with_meta(good, class_names=["a", "b"]), "do not fit"),
    # Valid JSON that no float holds: every check comparing it as one raised OverflowError.
    "giant number": (lambda good: with_meta(good, preprocessing={**meta_of(good)["preprocessing"],
                                                                 "mean": [10**400, 0.4, 0.4]}), "401 digits"),
    # A settings error read from a file is the file's damage, not a mistaken option.
    "bad settings in the summary": (
        lambda good: with_meta(good, training={**meta_of(good)["training"],
                                               "config": {**meta_of(good)["training"]["config"], "epochs": "many"}}),
        "training summary is invalid"),
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


# read_model_info leaves the backbone and the summaries to those who use them (model_summaries).
@pytest.mark.parametrize("case", [case for case in BAD_FILES
                                  if case not in ("unknown backbone", "bad settings in the summary")])
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
    with pytest.raises(ModelFileError, match="^The model inside x.tlgui is damaged: its first 8 bytes"):
        classifier_from_bytes(model_bytes[:3] + b"\xff" + model_bytes[4:], source="The model inside x.tlgui")


# ---- format 1 (tlgui 0.1: checksum over the weights only) -------------------------------------------
def test_format_1_files_still_open(classifier, tmp_path, no_unpickling):
    data = format_1_bytes(classifier)
    path = tmp_path / "old.safetensors"
    path.write_bytes(data)
    loaded = load_classifier(path)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        assert torch.equal(classifier.network(x), loaded.network(x))
    assert loaded.class_names == CLASSES and loaded.metrics == classifier.metrics
    assert read_model_info(path)["format_version"] == 1
    assert classifier_from_bytes(data).class_names == CLASSES
    path.write_bytes(_flip_last_byte(data))
    with pytest.raises(ModelFileError, match="its weights do not match the checksum"):
        load_classifier(path)


def test_new_files_are_format_2(model_bytes):
    meta = meta_of(model_bytes)
    assert MODEL_FORMAT_VERSION == meta["format_version"] == 2
    assert "payload_sha256" not in meta and len(meta["integrity_sha256"]) == 64


# ---- the checksum covers the metadata -------------------------------------------------------------
def _flip_in_header(data: bytes, text: bytes, mask: int) -> bytes:
    at = data.index(text)
    assert at < 8 + struct.unpack("<Q", data[:8])[0]  # inside the header
    damaged = bytearray(data)
    damaged[at] ^= mask
    return bytes(damaged)


def test_a_flipped_byte_in_the_metadata_is_caught(tmp_path, classifier, model_bytes):
    # Without per-class metrics nothing else repeats the class names: only the checksum can tell.
    plain = classifier_to_bytes(
        Classifier(classifier.network, list(CLASSES), BACKBONE, classifier.preprocessing)
    )
    renamed = _flip_in_header(plain, b"ants", 0x04)  # "ants" -> "ents": a valid name still
    better = _flip_in_header(model_bytes, b"875", 0x01)  # accuracy 0.875 -> 0.975
    for damaged in (renamed, better):
        path = _write(tmp_path, damaged)
        _refused_by_every_reader(path, "weights or metadata do not match the checksum")


def test_a_file_changed_while_it_loads_is_caught(tmp_path, model_bytes, monkeypatch):
    path = _write(tmp_path, model_bytes)
    build = modelfile._build_network

    def build_then_damage(*args):
        # Between the streamed check and the read that loads the weights, the file changes.
        path.write_bytes(model_bytes[:-4] + struct.pack("<f", float("nan")))
        return build(*args)

    monkeypatch.setattr(modelfile, "_build_network", build_then_damage)
    with pytest.raises(ModelFileError, match="its weights or metadata do not match the checksum"):
        load_classifier(path)


# ---- hostile headers ------------------------------------------------------------------------------
def _write(tmp_path, data: bytes):
    path = tmp_path / "hostile.safetensors"
    path.write_bytes(data)
    return path


def _from_bytes(path):
    return classifier_from_bytes(path.read_bytes(), source=str(path))


def _refused_by_every_reader(path, expected: str) -> str:
    for read in (load_classifier, read_model_info, _from_bytes):
        with pytest.raises(ModelFileError) as caught:
            read(path)
        message = str(caught.value)
        assert expected in message and str(path) in message and message.endswith("."), message
    return message


def test_a_header_nested_100000_levels_deep(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    _refused_by_every_reader(_write(tmp_path, join('{"a": ' + deep + "}", b"")), "nested more than")
    metadata = json.dumps({"__metadata__": {"tlgui": deep}})
    _refused_by_every_reader(_write(tmp_path, join(metadata, b"")), "nested more than")


@pytest.mark.parametrize("offset", ["1e400", "-8", "2.5", "true", '"12"', "1" + "0" * 5000])
def test_hostile_tensor_offsets(tmp_path, model_bytes, offset):
    header, payload = split(model_bytes)
    header["stages.head.bias"]["data_offsets"][1] = "OFFSET"
    text = json.dumps(header).replace('"OFFSET"', offset)
    path = _write(tmp_path, join(text, payload))
    expected = "not valid JSON" if len(offset) > 4300 else "tensor table is invalid"
    _refused_by_every_reader(path, expected)


def _good_preprocessing(**changes) -> dict:
    return {**get_spec(BACKBONE).preprocessing.to_dict(), **changes}


WRONG_TYPES = {
    "class names as text": ({"class_names": "ants"}, "class names"),
    "class names as numbers": ({"class_names": [1, 2, 3]}, "class names"),
    "an empty class name": ({"class_names": ["ants", "", "bees"]}, "class names"),
    "a 256-character class name": ({"class_names": ["a" * 256, "b", "c"]}, "class names"),
    "backbone as a number": ({"backbone_id": 5}, "backbone"),
    "version as text": ({"format_version": "2"}, "format version"),
    "version as true": ({"format_version": True}, "format version"),
    "input size as text": ({"preprocessing": _good_preprocessing(input_size="224")}, "input size"),
    "input size 224.5": ({"preprocessing": _good_preprocessing(input_size=224.5)}, "input size"),
    "mean as text": ({"preprocessing": _good_preprocessing(mean=["a", "b", "c"])}, "mean or std"),
    "std of zero": ({"preprocessing": _good_preprocessing(std=[0, 0, 0])}, "mean or std"),
    "unknown interpolation": (
        {"preprocessing": _good_preprocessing(interpolation="lanczos9")},
        "interpolation",
    ),
    "interpolation as a list": ({"preprocessing": _good_preprocessing(interpolation=[])}, "interpolation"),
    "an extra preprocessing key": ({"preprocessing": _good_preprocessing(crop=1)}, "preprocessing"),
    "metrics as a list": ({"metrics": []}, "metrics summary"),
    "accuracy as text": ({"metrics": {"accuracy": "high"}}, "accuracy"),
    "precision without recall": ({"metrics": {"precision": dict.fromkeys(CLASSES, 1.0)}}, "precision"),
    "recall for other classes": (
        {"metrics": {"precision": dict.fromkeys(CLASSES, 1.0), "recall": {"x": 1.0}}},
        "recall",
    ),
    "a ragged confusion matrix": ({"metrics": {"confusion": [[1], [2, 3], [4, 5, 6]]}}, "confusion"),
    "parameters as text": ({"training": {"total_parameters": "many"}}, "total_parameters"),
    "a NaN duration": ({"training": {"timings": {"total_s": float("nan")}}}, "timings"),
    "created as a number": ({"created": 5}, "created"),
    "a lone surrogate": ({"training": {"regime": "\ud800"}}, "not valid Unicode"),
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_metadata_fields_of_the_wrong_type(case, tmp_path, model_bytes, no_unpickling):
    changes, expected = WRONG_TYPES[case]
    _refused_by_every_reader(_write(tmp_path, with_meta(model_bytes, **changes)), expected)


@pytest.mark.parametrize("case", ["accuracy as text", "parameters as text", "a lone surrogate"])
def test_inspect_and_predict_print_one_line_not_a_traceback(case, tmp_path, model_bytes, capsys):
    path = _write(tmp_path, with_meta(model_bytes, **WRONG_TYPES[case][0]))
    photo = tmp_path / "ant.png"
    photo.write_bytes(_png())
    for command in (["inspect", str(path)], ["predict", str(path), str(photo)]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert err.startswith("tlgui: error: ") and err.count("\n") == 1 and "Traceback" not in err


_CONTROL = "holds a line break or another control character"
_INVISIBLE = "holds an invisible character that hides or reorders text"
FLAWED_CLASS_NAMES = {
    "spaces only": (["ants", "   ", "bees"], "its class name 2 shows nothing"),
    "a tab only": (["ants", "\t", "bees"], f"its class name 2 {_CONTROL} (U+0009)"),
    "a newline": (["an\nts", "bees", "wasps"], f"its class name 1 {_CONTROL} (U+000A)"),
    "a carriage return": (["ants", "bees", "wasps\r"], f"its class name 3 {_CONTROL} (U+000D)"),
    "NUL": (["ants", "be\x00es", "wasps"], f"its class name 2 {_CONTROL} (U+0000)"),
    "an escape sequence": (["red\x1b[2J", "bees", "wasps"], f"its class name 1 {_CONTROL} (U+001B)"),
    "a line separator": (["ants", "bees\u2028", "wasps"], f"its class name 2 {_CONTROL} (U+2028)"),
    "a right-to-left override": (["ants\u202egnp.exe", "bees", "wasps"], f"its class name 1 {_INVISIBLE} (U+202E)"),
    "a zero-width look-alike": (["ants", "ants\u200b", "bees"], f"its class name 2 {_INVISIBLE} (U+200B)"),
    "café composed and decomposed": (
        ["caf\u00e9", "cafe\u0301", "bees"], "its class name 2 is not in Unicode's composed form (NFC)"),
    "a space at the end": (["ants ", "bees", "wasps"], "its class name 1 starts or ends with a space or joiner (U+0020)"),
}


@pytest.mark.parametrize("case", FLAWED_CLASS_NAMES)
def test_class_names_that_would_not_show_as_they_are_refused(case, tmp_path, model_bytes, capsys):
    names, expected = FLAWED_CLASS_NAMES[case]
    path = _write(tmp_path, with_meta(model_bytes, class_names=names, metrics=None))
    message = _refused_by_every_reader(path, expected)
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message
    assert main(["inspect", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


def test_ordinary_class_names_of_any_script_are_read_as_they_are(tmp_path, model_bytes):
    names = ["chien à poil", "猫 ねこ", "👨\u200d👩\u200d👧 family", "\u200fשלום", "قطط"]
    path = _write(tmp_path, with_meta(model_bytes, class_names=names[:3], metrics=None))
    assert read_model_info(path)["class_names"] == names[:3]
    path = _write(tmp_path, with_meta(model_bytes, class_names=names[2:], metrics=None))
    assert read_model_info(path)["class_names"] == names[2:]


def test_a_model_whose_class_names_would_be_refused_is_never_written(tmp_path, classifier):
    flawed = copy.copy(classifier)
    flawed.class_names = ["ants", "bees\n", "wasps 黄蜂"]
    with pytest.raises(ModelFileError, match=f"cannot be saved: its class name 2 {_CONTROL}"):
        save_classifier(flawed, tmp_path / "flawed.safetensors")
    assert not (tmp_path / "flawed.safetensors").exists()


@pytest.mark.parametrize("size", [40_000, 0, -5])
def test_preprocessing_sizes_out_of_bounds(tmp_path, model_bytes, size):
    too_big = _good_preprocessing(input_size=size, resize_size=max(size, 256))
    data = with_meta(model_bytes, preprocessing=too_big)
    _refused_by_every_reader(_write(tmp_path, data), "input size")
    data = with_meta(model_bytes, preprocessing=_good_preprocessing(resize_size=size))
    _refused_by_every_reader(_write(tmp_path, data), "resize size")


@pytest.fixture
def nothing_is_built(monkeypatch):
    def forbidden(*_args, **_kwargs):
        raise AssertionError("a network was built for a file that should have been refused")

    monkeypatch.setattr(modelfile, "backbone_skeleton", forbidden)


def test_3_million_classes_for_a_2_row_head_are_refused_in_little_memory(
    tmp_path, classifier, nothing_is_built
):
    two_rows = Classifier(
        copy.deepcopy(classifier.network), ["ants", "bees"], BACKBONE, classifier.preprocessing
    )
    replace_head(two_rows.network, 2)
    good = classifier_to_bytes(two_rows)
    many = [f"class {i}" for i in range(3_000_000)]
    huge = _write(tmp_path, with_meta(good, class_names=many))
    tracemalloc.start()
    try:
        _refused_by_every_reader(huge, "header is")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # classifier_from_bytes's own read of the file is the test's, not the loader's: judge the loaders.
    assert peak < huge.stat().st_size + 16 * 1024 * 1024
    tracemalloc.start()
    try:
        for read in (load_classifier, read_model_info):
            with pytest.raises(ModelFileError, match="header is"):
                read(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024
    # Under the header's size cap, the count itself is refused, before any network is built.
    _refused_by_every_reader(_write(tmp_path, with_meta(good, class_names=many[:1001])), "at most 1,000")
    _refused_by_every_reader(_write(tmp_path, with_meta(good, class_names=many[:3])), "do not fit")


def test_a_head_claiming_3_million_rows_is_refused(tmp_path, model_bytes, nothing_is_built):
    header, payload = split(model_bytes)
    header["stages.head.weight"]["shape"] = [3_000_000, 1280]
    _refused_by_every_reader(_write(tmp_path, signed(header, payload)), "does not match its shape")


def _with_nan_head(model_bytes: bytes) -> bytes:
    header, payload = split(model_bytes)
    begin, end = header["stages.head.weight"]["data_offsets"]
    payload = payload[:begin] + struct.pack("<f", float("nan")) * ((end - begin) // 4) + payload[end:]
    return signed(header, payload)


def test_a_head_of_nan_weights_is_refused(tmp_path, model_bytes, capsys, nothing_is_built):
    path = _write(tmp_path, _with_nan_head(model_bytes))
    _refused_by_every_reader(path, "stages.head.weight holds NaN")
    photo = tmp_path / "ant.png"
    photo.write_bytes(_png())
    assert main(["predict", str(path), str(photo)]) == 1
    captured = capsys.readouterr()
    assert "not all finite" in captured.err and "nan" not in captured.out


def test_nan_weights_are_never_saved(classifier, tmp_path):
    broken = Classifier(copy.deepcopy(classifier.network), list(CLASSES), BACKBONE, classifier.preprocessing)
    with torch.no_grad():
        broken.network.head.bias[1] = float("inf")
    with pytest.raises(ModelFileError, match="cannot be saved: .*stages.head.bias holds NaN or infinity"):
        save_classifier(broken, tmp_path / "broken.safetensors")
    assert list(tmp_path.iterdir()) == []



def _with_values(model_bytes: bytes, values: dict[str, bytes], extra: dict | None = None) -> bytes:
    """The file with tensors' bytes replaced (``values``: name -> as many bytes), ``extra`` tensors
    (name -> (dtype, shape, bytes)) added at the end of the payload, signed again."""
    header, payload = split(model_bytes)
    for name, data in values.items():
        begin, end = header[name]["data_offsets"]
        assert len(data) == end - begin
        payload = payload[:begin] + data + payload[end:]
    for key, (dtype, shape, data) in (extra or {}).items():
        header[key] = {"dtype": dtype, "shape": shape, "data_offsets": [len(payload), len(payload) + len(data)]}
        payload += data
    return signed(header, payload)


def _one_variance(model_bytes: bytes) -> tuple[str, int]:
    header, _ = split(model_bytes)
    name = next(key for key in header if key.endswith(".running_var"))
    return name, header[name]["shape"][0]


@pytest.mark.parametrize("value", [-1.0, -1e-30])
def test_a_negative_running_variance_is_refused(value, tmp_path, model_bytes, capsys, nothing_is_built):
    # Finite, so the finiteness check let it through: the batch norm took the square root of a
    # negative number and every prediction came out NaN ("ants nan%"), with exit status 0.
    name, channels = _one_variance(model_bytes)
    values = struct.pack("<f", 1.0) * (channels - 1) + struct.pack("<f", value)
    path = _write(tmp_path, _with_values(model_bytes, {name: values}))
    _refused_by_every_reader(path, f"{name} holds negative variances")
    photo = tmp_path / "ant.png"
    photo.write_bytes(_png())
    for command in (["inspect", str(path)], ["predict", str(path), str(photo)],
                    ["predict", "--format", "json", str(path), str(photo)]):
        assert main(command) == 1
        captured = capsys.readouterr()
        assert captured.err.count("\n") == 1 and "negative variances" in captured.err
        assert "nan" not in captured.out.lower()


def test_zero_running_variances_of_either_sign_are_read(tmp_path, model_bytes):
    # A channel that never varied has a variance of exactly 0 (the bundled weights hold some).
    name, channels = _one_variance(model_bytes)
    values = struct.pack("<f", 0.0) * (channels - 1) + struct.pack("<f", -0.0)
    path = _write(tmp_path, _with_values(model_bytes, {name: values}))
    assert torch.equal(load_classifier(path).network.state_dict()[name], torch.zeros(channels))


def test_negative_running_variances_are_never_saved(classifier, tmp_path):
    broken = Classifier(copy.deepcopy(classifier.network), list(CLASSES), BACKBONE, classifier.preprocessing)
    name = next(key for key in broken.network.state_dict() if key.endswith(".running_var"))
    with torch.no_grad():
        broken.network.state_dict()[name][0] = -1.0
    with pytest.raises(ModelFileError, match=f"cannot be saved: {name} holds negative variances"):
        save_classifier(broken, tmp_path / "broken.safetensors")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("indices", "refused"), [([0, 168, 42], False), ([0, 169, 1], True), ([-1, 0, 1], True)])
def test_relative_position_indices_must_point_into_their_table(indices, refused, tmp_path, model_bytes):
    # Swin's windows look their position biases up by these indices: one outside the table stopped
    # the network with an IndexError traceback (on a GPU, a device assert that ends the process).
    table = ("F32", [169, 3], b"\0" * 169 * 3 * 4)
    index = ("I64", [len(indices)], struct.pack(f"<{len(indices)}q", *indices))
    extra = {"stages.x.attn.relative_position_bias_table": table, "stages.x.attn.relative_position_index": index}
    path = _write(tmp_path, _with_values(model_bytes, {}, extra))
    if refused:
        _refused_by_every_reader(path, "stages.x.attn.relative_position_index points outside its table of 169")
    else:  # in range: left to the network's own check, which knows no such weights in this network
        assert read_model_info(path)["backbone_id"] == BACKBONE
        with pytest.raises(ModelFileError, match="weights the network does not"):
            load_classifier(path)


def test_a_head_that_overflows_is_an_error_not_nan(tmp_path, model_bytes, capsys):
    # Finite weights, so the file is read; but 3e38s overflow the logits to infinity, and the
    # probabilities to NaN. The prediction is refused in one line, exit status 1, not "ants nan%".
    header, _ = split(model_bytes)
    begin, end = header["stages.head.weight"]["data_offsets"]
    huge = struct.pack("<f", 3e38) * ((end - begin) // 4)
    path = _write(tmp_path, _with_values(model_bytes, {"stages.head.weight": huge}))
    load_classifier(path)
    photo = tmp_path / "ant.png"
    photo.write_bytes(_png())
    for command in (["predict", str(path), str(photo)], ["predict", "--format", "json", str(path), str(photo)]):
        assert main(command) == 1
        captured = capsys.readouterr()
        err = captured.err.rpartition("\r")[2]  # after the progress line
        assert err.startswith("tlgui: error: The model cannot be used") and err.count("\n") == 1, err
        assert "NaN or infinity" in err and "Traceback" not in captured.err
        assert "nan" not in captured.out.lower()

def test_too_many_classes_are_never_saved():
    names = [f"c{i}" for i in range(1001)]
    net = replace_head(_tiny_network(), len(names))
    tiny = Classifier(net, names, "tiny", Preprocessing(input_size=32, resize_size=32))
    with pytest.raises(ModelFileError, match="cannot be saved: it names 1,001 classes"):
        classifier_to_bytes(tiny)


def test_numpy_and_torch_numbers_in_a_summary_are_saved_as_numbers(tmp_path):
    metrics = ModelMetrics(accuracy=np.float32(0.5), best_epoch=np.int64(3), val_loss=torch.tensor(0.25))
    tiny = Classifier(_tiny_network(), ["a", "b"], "tiny", Preprocessing(input_size=32, resize_size=32), metrics)
    save_classifier(tiny, tmp_path / "tiny.safetensors")
    info = read_model_info(tmp_path / "tiny.safetensors")
    assert info["metrics"] == {"accuracy": 0.5, "best_epoch": 3, "val_loss": 0.25}


@pytest.mark.slow
def test_the_largest_valid_summary_fits_the_header_cap(tmp_path):
    names = [f"{i:03d}" + "蜂" * 252 for i in range(1000)]  # 1,000 classes of 255 characters
    confusion = [[(i + j) % 100 for j in range(1000)] for i in range(1000)]
    metrics = ModelMetrics(
        accuracy=0.5,
        precision=dict.fromkeys(names, 0.123456789),
        recall=dict.fromkeys(names, 0.987654321),
        confusion=confusion,
    )
    net = replace_head(_tiny_network(), len(names))
    tiny = Classifier(net, names, "tiny", Preprocessing(input_size=32, resize_size=32), metrics)
    path = tmp_path / "largest.safetensors"
    save_classifier(tiny, path)
    info = read_model_info(path)
    assert info["class_names"] == names and info["metrics"]["confusion"] == confusion
    epoch = EpochStats(1, 1, 0.123456789, 0.123456789, 0.5, 1.23456789, 0.001)
    tiny.training.history = [epoch] * 80_000  # but a summary bloated beyond that is not written
    with pytest.raises(ModelFileError, match="cannot be saved: its header would take"):
        classifier_to_bytes(tiny)


def test_tensors_that_leave_a_gap_or_overlap(tmp_path, model_bytes, nothing_is_built):
    header, payload = split(model_bytes)
    begin, end = header["stages.head.bias"]["data_offsets"]
    header["stages.head.bias"]["data_offsets"] = [0, end - begin]  # overlaps the first tensor
    _refused_by_every_reader(_write(tmp_path, signed(header, payload)), "overlap or leave gaps")


@pytest.mark.parametrize("dtype", ["F64", ["F32"], None])
def test_a_dtype_tlgui_does_not_write(tmp_path, model_bytes, nothing_is_built, dtype):
    header, payload = split(model_bytes)
    header["stages.head.bias"]["dtype"] = dtype
    _refused_by_every_reader(_write(tmp_path, signed(header, payload)), "does not write")


def test_weights_of_another_architecture(tmp_path, model_bytes):
    header, payload = split(model_bytes)
    header["stages.stem.conv_stem.weight_renamed"] = header.pop("stages.stem.conv_stem.weight")
    path = _write(tmp_path, signed(header, payload))
    with pytest.raises(ModelFileError, match="do not fit the efficientnet_lite0 network with 3 classes"):
        load_classifier(path)
    assert read_model_info(path)["class_names"] == CLASSES  # the header alone is sound


def test_a_fixed_size_backbone_knows_its_input_size():
    from tlgui.core.backbones import torchvision_zoo

    architecture = torchvision_zoo.build_architecture("vit_b_16", device="meta")
    vit = torchvision_zoo.stage_model("vit_b_16", architecture)
    assert modelfile._fixed_input_size(vit) == 224
    assert modelfile._fixed_input_size(_tiny_network()) is None


# ---- files that are not files ---------------------------------------------------------------------
@pytest.fixture
def deadline():
    """Fail, rather than hang, when the code under test blocks for more than 5 seconds."""

    def expired(*_args):
        raise TimeoutError("blocked for more than 5 seconds")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, 5.0)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(signal, "setitimer"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once(tmp_path, deadline):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    for read in (load_classifier, read_model_info):
        with pytest.raises(ModelFileError, match="pipe"):
            read(fifo)
    assert main(["inspect", str(fifo)]) == 1


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_link_to_a_device_is_refused(tmp_path, deadline):
    link = tmp_path / "zero.safetensors"
    link.symlink_to("/dev/zero")
    for read in (load_classifier, read_model_info):
        with pytest.raises(ModelFileError, match="device"):
            read(link)


# ---- weights files a user imports -----------------------------------------------------------------
def _deflated(data: bytes) -> bytes:
    """The same zip checkpoint with its records compressed, as torch.load accepts."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
    return out.getvalue()


def _saved(state: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def test_weights_files_load_within_their_limits(tmp_path):
    state = {"conv.weight": torch.randn(4, 3, 3, 3), "bn.num_batches_tracked": torch.tensor(7)}
    for name, data in {"plain.pth": _saved(state), "deflated.pth": _deflated(_saved(state))}.items():
        (tmp_path / name).write_bytes(data)
        loaded = load_state_dict_file(tmp_path / name)
        assert all(torch.equal(loaded[key], value) for key, value in state.items())
    safetensors.torch.save_file(state, str(tmp_path / "w.safetensors"))
    assert torch.equal(load_state_dict_file(tmp_path / "w.safetensors")["conv.weight"], state["conv.weight"])


def test_a_weights_file_over_its_size_cap_is_not_read(tmp_path):
    path = tmp_path / "big.pth"
    path.write_bytes(_saved({"w": torch.zeros(1000)}))
    with pytest.raises(ModelFileError, match="big.pth is .*more than the 1,000 bytes"):
        load_state_dict_file(path, max_bytes=1000)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    path = tmp_path / "bomb.pth"
    path.write_bytes(_deflated(_saved({"w": torch.zeros(1_000_000)})))  # 4 MB in a few kB
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(torch, "load", lambda *_a, **_k: pytest.fail("the bomb reached torch.load"))
    with pytest.raises(ModelFileError, match="bomb.pth would unpack to 4,00.* bytes, more than the 1,000,000"):
        load_state_dict_file(path, max_bytes=1_000_000)


def test_a_zip_that_claims_a_huge_directory_is_refused(tmp_path):
    data = bytearray(_saved({"w": torch.zeros(10)}))
    end = data.rfind(b"PK\x05\x06")
    data[end + 12 : end + 16] = (0x7FFFFFFF).to_bytes(4, "little")
    (tmp_path / "dir.pth").write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="dir.pth is not a weights file tlgui can read: it lists too many"):
        load_state_dict_file(tmp_path / "dir.pth")


def test_a_safetensors_header_over_its_cap_is_refused(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes((90 * 1024 * 1024).to_bytes(8, "little") + b"{}")
    with pytest.raises(ModelFileError, match="w.safetensors is not a safetensors weights file"):
        load_state_dict_file(path)


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_nan_weights_are_refused(tmp_path, suffix):
    state = {"fc.weight": torch.tensor([[1.0, float("nan")]])}
    path = tmp_path / f"nan{suffix}"
    if suffix == ".pth":
        torch.save(state, path)
    else:
        safetensors.torch.save_file(state, str(path))
    with pytest.raises(ModelFileError, match=f"nan{suffix} holds weights that are not finite.*fc.weight"):
        load_state_dict_file(path)


@pytest.mark.filterwarnings("ignore:Validating sparse tensor invariants")
def test_tensors_that_are_not_plain_weights_are_refused(tmp_path):
    path = tmp_path / "sparse.pth"
    torch.save({"fc.weight": torch.eye(3).to_sparse()}, path)
    with pytest.raises(ModelFileError, match="something other than named weight tensors"):
        load_state_dict_file(path)


def test_integer_values_where_float_weights_belong_are_refused():
    expected = {"fc.weight": torch.zeros(2, 2), "bn.num_batches_tracked": torch.tensor(0)}
    state = {"fc.weight": torch.zeros(2, 2, dtype=torch.int32), "bn.num_batches_tracked": torch.tensor(3)}
    with pytest.raises(ModelFileError, match="fc.weight holds torch.int32 values where Net needs floating"):
        check_state_dict(state, expected, source="w.pth", title="Net")
    check_state_dict({**state, "fc.weight": torch.ones(2, 2)}, expected, source="w.pth", title="Net")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(signal, "setitimer"), reason="no FIFOs here")
def test_importing_a_fifo_is_refused_at_once(tmp_path, deadline):
    fifo = tmp_path / "weights.pth"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="pipe"):
        import_weights("mobilenet_v3_small", fifo)
