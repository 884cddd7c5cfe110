"""Fuzzing the model-file readers: whatever bytes they are given, only a TlguiError may come out.

Three kinds of input, each for a bounded number of examples so CI spends a few seconds here:
byte-level damage to a real model file (flips, truncations, insertions, deletions, aimed mostly at
the header, where the parsing is), real headers with one field replaced by generated JSON and the
checksum made to match (as a crafted file would), and header text with hostile number tokens that
``json.dumps`` cannot write (``1e400``, 5,000-digit integers, deep brackets).
"""

from __future__ import annotations

import json
import math
import os

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelfile_bytes import join, signed, split

from tlgui.core.backbones import create_backbone, get_spec
from tlgui.core.backbones.staged import replace_head
from tlgui.core.errors import TlguiError
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import (
    classifier_from_bytes,
    classifier_to_bytes,
    load_classifier,
    read_model_info,
)
from tlgui.core.training.summary import ModelMetrics, TrainingSummary

BACKBONE = "efficientnet_lite0"
CLASSES = ["ants", "bees"]
FUZZ = settings(
    # A longer hunt: TLGUI_FUZZ_EXAMPLES=2000 python -m pytest tests/core/test_fuzz_modelfile.py
    max_examples=int(os.environ.get("TLGUI_FUZZ_EXAMPLES", "30")),
    deadline=None,  # a mutation that leaves the file valid builds the network: slow, not a failure
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class _Bytes(bytes):
    """A model file's bytes that Hypothesis reports by size, not by its 13 MB repr."""

    def __repr__(self) -> str:
        return f"<{len(self):,} bytes of a model file>"


@pytest.fixture(scope="module")
def model_bytes() -> bytes:
    """A real model file with a trainer-shaped summary (random weights: no download, no decode)."""
    torch.manual_seed(0)
    net = replace_head(create_backbone(BACKBONE, pretrained=False), len(CLASSES)).eval()
    metrics = {
        "accuracy": 0.75,
        "best_epoch": 2,
        "epochs_run": 3,
        "val_loss": 0.5,
        "precision": {"ants": 1.0, "bees": 0.5},
        "recall": {"ants": 0.5, "bees": 1.0},
        "confusion": [[1, 1], [0, 2]],
        "train_images": 16,
        "val_images": 4,
    }
    training = {
        "config": {"epochs": 3},
        "regime": "head",
        "freeze_level": 5,
        "trainable_parameters": 2562,
        "total_parameters": 3_400_000,
        "device": "cpu",
        "history": [
            {"epoch": 1, "epochs": 3, "train_loss": math.nan, "val_loss": 0.7, "val_accuracy": 0.5,
             "seconds": 0.1, "learning_rate": 0.003, "best": True}
        ],
        "timings": {"total_s": 1.5},
    }
    preprocessing = get_spec(BACKBONE).preprocessing
    return _Bytes(classifier_to_bytes(Classifier(
        net, list(CLASSES), BACKBONE, preprocessing,
        ModelMetrics.from_dict(metrics, list(CLASSES)), TrainingSummary.from_dict(training),
    )))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def _only_tlgui_errors(data: bytes, path, *, from_bytes: bool = True) -> None:
    """Every reader either succeeds or raises TlguiError with one sentence; nothing else escapes."""
    path.write_bytes(data)
    for read in (load_classifier, read_model_info):
        _expect_sentence(read, path)
    if from_bytes:
        _expect_sentence(lambda d: classifier_from_bytes(d, source=str(path)), data)


def _expect_sentence(read, argument) -> None:
    try:
        read(argument)
    except TlguiError as exc:
        message = str(exc)
        assert message.endswith(".") and "\n" not in message, message


# ---- byte-level damage ----------------------------------------------------------------------------
def _header_end(data: bytes) -> int:
    return 8 + int.from_bytes(data[:8], "little")


@st.composite
def damaged(draw, data: bytes) -> bytes:
    """``data`` with 1 to 4 random byte-level edits, three in four aimed at the header."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        end = min(len(out), _header_end(data) + 16)
        limit = end if draw(st.integers(0, 3)) else len(out)
        at = draw(st.integers(0, max(0, limit - 1)))
        edit = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        if edit == "flip" and out:
            out[at] ^= draw(st.integers(1, 255))
        elif edit == "truncate":
            del out[at:]
        elif edit == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del out[at : at + draw(st.integers(1, 64))]
    return bytes(out)


@FUZZ
@given(st.data())
def test_damaged_model_files(model_bytes, workdir, data):
    _only_tlgui_errors(data.draw(damaged(model_bytes)), workdir / "damaged.safetensors")


# ---- generated values in a real header, signed ------------------------------------------------
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities included: json writes them, and Python reads them back
    | st.sampled_from([0, -5, 40_000, 2**63, 3_000_000, 1e308, "", "x" * 300, "\ud800", "stages.head.weight"])
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=12,
)


def _paths(value, prefix=()):
    """Every place in a JSON value that a generated value could replace."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _replaced(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [_replaced(child, rest, new) if i == head else child for i, child in enumerate(value)]


@pytest.mark.slow
@FUZZ
@given(st.data())
def test_generated_values_in_a_signed_header(model_bytes, workdir, data):
    header, payload = split(model_bytes)
    meta = json.loads(header["__metadata__"]["tlgui"])
    table = {key: value for key, value in header.items() if key != "__metadata__"}
    # Tensor entries are many and alike: offer the head's and one other's, and every metadata field.
    table = {key: table[key] for key in ("stages.head.weight", "stages.stem.conv_stem.weight")}
    target = data.draw(st.sampled_from(["metadata", "tensors"]))
    document = meta if target == "metadata" else table
    path = data.draw(st.sampled_from(list(_paths(document))[1:]))
    new = data.draw(_JSON)
    if target == "metadata":
        meta = _replaced(meta, path, new)
        header["__metadata__"]["tlgui"] = json.dumps(meta)
    else:
        header.update(_replaced(table, path, new))
    _only_tlgui_errors(signed(header, payload), workdir / "generated.safetensors", from_bytes=False)


# ---- hostile tokens in the header text ------------------------------------------------------------
_TOKENS = [
    "1e400",
    "-1e400",
    "1" + "0" * 5000,
    "NaN",
    "-Infinity",
    "18446744073709551617",
    "[" * 200 + "]" * 200,
    '"\\ud800"',
    '{"__proto__": 1}',
    "0.5",
]


@FUZZ
@given(st.data())
def test_hostile_tokens_in_the_header_text(model_bytes, workdir, data):
    header, payload = split(model_bytes)
    text = json.dumps(header)
    # Any JSON number or string value in the header text (not keys) may become a hostile token.
    spots = [i for i, char in enumerate(text) if char in "0123456789" and text[i - 1] in " [:,"]
    at = data.draw(st.sampled_from(spots))
    end = at
    while end < len(text) and text[end] in "0123456789.eE+-":
        end += 1
    token = data.draw(st.sampled_from(_TOKENS))
    _only_tlgui_errors(join(text[:at] + token + text[end:], payload), workdir / "tokens.safetensors")
