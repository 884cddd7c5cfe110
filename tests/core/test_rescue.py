"""A trained model whose file cannot be written is saved to a rescue folder, not lost."""

from __future__ import annotations

import datetime as dt
import errno
import tempfile

import pytest
from torch import nn

from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.errors import ModelFileError
from tlgui.core.models import rescue
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import classifier_to_bytes
from tlgui.core.models.rescue import ModelLostError, rescue_folders, save_or_rescue

NOW = dt.datetime(2026, 11, 30, 1, 2, 3)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    net = StagedNetwork([("stem", nn.Conv2d(3, 4, 3)), ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1),
                         nn.Flatten())), ("head", nn.Linear(4, 2))], backbone_id="tiny")
    return Classifier(net, ["a", "b"], "tiny", Preprocessing(input_size=32, resize_size=32))


@pytest.fixture
def full_disks(monkeypatch, tmp_path):
    """Every save into one of the returned folders fails with "No space left on device"."""
    monkeypatch.setenv("TLGUI_CACHE_DIR", str(tmp_path / "cache" / "features"))
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    full = []
    real_save = rescue.save_classifier

    def save(classifier, path):
        if any(folder in path.parents for folder in full):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(classifier, path)

    monkeypatch.setattr(rescue, "save_classifier", save)
    return full


def test_a_model_that_can_be_saved_is_saved_where_asked(classifier, tmp_path, full_disks):
    saved = save_or_rescue(classifier, tmp_path / "m.safetensors", now=NOW)
    assert saved.path == tmp_path / "m.safetensors" and not saved.rescued
    assert not any(folder.exists() for folder in rescue_folders())


def test_a_full_disk_sends_the_model_to_the_rescue_folder(classifier, tmp_path, full_disks):
    full_disks.append(tmp_path / "usb")
    saved = save_or_rescue(classifier, tmp_path / "usb" / "cats.safetensors", now=NOW)
    assert saved.rescued and saved.problem == "No space left on device"
    assert saved.path == rescue_folders()[0] / "cats-20261130-010203.safetensors"
    assert saved.path.read_bytes() == classifier_to_bytes(classifier)
    assert not (tmp_path / "usb").exists()


def test_the_temporary_folder_is_the_last_resort(classifier, tmp_path, full_disks):
    first, last = rescue_folders()
    full_disks += [tmp_path / "usb", first]
    saved = save_or_rescue(classifier, tmp_path / "usb" / "cats.safetensors", now=NOW)
    assert saved.path.parent == last and saved.path.read_bytes() == classifier_to_bytes(classifier)


def test_a_rescue_never_replaces_an_earlier_one(classifier, tmp_path, full_disks):
    full_disks.append(tmp_path / "usb")
    paths = [save_or_rescue(classifier, tmp_path / "usb" / "cats.safetensors", now=NOW).path for _ in range(3)]
    assert [p.name for p in paths] == ["cats-20261130-010203.safetensors", "cats-20261130-010203-2.safetensors",
                                       "cats-20261130-010203-3.safetensors"]


def test_nowhere_to_save_says_where_it_tried_and_why(classifier, tmp_path, full_disks):
    full_disks += [tmp_path / "usb", *rescue_folders()]
    with pytest.raises(ModelLostError) as caught:
        save_or_rescue(classifier, tmp_path / "usb" / "cats.safetensors", now=NOW)
    message = str(caught.value)
    assert message.count("No space left on device") == 3
    assert all(str(folder) in message for folder in rescue_folders())


def test_a_model_that_cannot_be_saved_at_all_is_not_rescued(classifier, tmp_path, monkeypatch, full_disks):
    def refuse(_classifier, _path):
        raise ModelFileError("The model cannot be saved: weights that are not numbers.")

    monkeypatch.setattr(rescue, "save_classifier", refuse)
    with pytest.raises(ModelFileError):
        save_or_rescue(classifier, tmp_path / "m.safetensors", now=NOW)
    assert not any(folder.exists() for folder in rescue_folders())
