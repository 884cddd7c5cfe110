"""Project files: round trip with and without a model, unicode paths, atomic saves, damaged files."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from tlgui.core.backbones import create_backbone, get_spec
from tlgui.core.backbones.staged import replace_head
from tlgui.core.data.bins import DataSet, scan
from tlgui.core.errors import ModelFileError
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import classifier_to_bytes, load_classifier
from tlgui.core.project import MODEL_MEMBER, PROJECT_JSON, Project, load_project, save_project
from tlgui.core.training.summary import ModelMetrics, TrainingSummary
from tlgui.core.training.trainer import TrainConfig

BACKBONE = "efficientnet_lite0"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    """The real bundled backbone with a 2-class head (built once for the module)."""
    net = replace_head(create_backbone(BACKBONE), 2, seed=5).eval()
    return Classifier(
        net,
        ["ants", "蜜蜂 bees"],
        BACKBONE,
        get_spec(BACKBONE).preprocessing,
        ModelMetrics(accuracy=0.5),
        TrainingSummary(config=TrainConfig(epochs=2)),
    )


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> DataSet:
    """Bins scanned from a folder whose path has Chinese characters and spaces."""
    root = tmp_path_factory.mktemp("data") / "我的 照片" / "train set"
    rng = np.random.default_rng(0)
    for label in ("ants", "蜜蜂 bees"):
        (root / label).mkdir(parents=True)
        for i in range(3):
            pixels = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / label / f"photo {i} 图.jpg", quality=90)
    return scan([root])


def _project(dataset: DataSet, classifier: Classifier | None = None) -> Project:
    config = TrainConfig(epochs=7, batch_size=8, freeze_level=2, trainable_overrides={"stages.stem": True})
    return Project(dataset, BACKBONE, config, classifier, freeze_overrides={"stages.blocks_6.0": False})


@pytest.fixture()
def no_unpickling(monkeypatch):
    def forbidden(*_args, **_kwargs):
        raise AssertionError("a user file was unpickled")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(torch, "load", forbidden)


# ---- round trip -----------------------------------------------------------------------------------
def test_round_trip_without_classifier(dataset, tmp_path, no_unpickling):
    path = tmp_path / "项目 one.tlgui"
    save_project(_project(dataset), path)
    loaded = load_project(path)

    assert loaded.classifier is None
    assert loaded.backbone_id == BACKBONE
    assert loaded.config == _project(dataset).config
    assert loaded.freeze_overrides == {"stages.blocks_6.0": False}
    assert loaded.dataset.to_dict() == dataset.to_dict()
    assert loaded.dataset.class_names == ["ants", "蜜蜂 bees"]
    assert all(item.path.is_file() for item in loaded.dataset.items())
    assert "我的 照片" in str(loaded.dataset.items()[0].path)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == [PROJECT_JSON]


def test_round_trip_with_classifier(dataset, classifier, tmp_path, no_unpickling):
    path = tmp_path / "trained.tlgui"
    save_project(_project(dataset, classifier), path)
    loaded = load_project(path)

    assert loaded.classifier is not None
    assert loaded.classifier.class_names == classifier.class_names
    assert loaded.classifier.metrics == classifier.metrics
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        assert torch.equal(loaded.classifier.network(x), classifier.network(x))
    assert loaded.dataset.to_dict() == dataset.to_dict()


def test_embedded_model_is_a_model_file(dataset, classifier, tmp_path):
    path = tmp_path / "trained.tlgui"
    save_project(_project(dataset, classifier), path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(MODEL_MEMBER)
        assert info.compress_type == zipfile.ZIP_STORED
        (tmp_path / "extracted.safetensors").write_bytes(archive.read(info))
    assert load_classifier(tmp_path / "extracted.safetensors").class_names == classifier.class_names


def test_saving_again_replaces_the_file(dataset, classifier, tmp_path):
    path = tmp_path / "p.tlgui"
    save_project(_project(dataset, classifier), path)
    save_project(_project(dataset), path)
    assert load_project(path).classifier is None
    assert [p.name for p in tmp_path.iterdir()] == ["p.tlgui"]


def test_failed_save_keeps_the_old_file(dataset, tmp_path, monkeypatch):
    path = tmp_path / "p.tlgui"
    save_project(_project(dataset), path)
    before = path.read_bytes()

    def crash(_fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", crash)
    changed = _project(dataset)
    changed.backbone_id = "resnet50"
    with pytest.raises(OSError):
        save_project(changed, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.tlgui"]


# ---- damaged and foreign files ----------------------------------------------------------------
def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _document(**changes) -> bytes:
    doc = {
        "format": "tlgui-project",
        "format_version": 1,
        "backbone_id": BACKBONE,
        "dataset": DataSet().to_dict(),
        "config": TrainConfig().to_dict(),
        "freeze": {"level": None, "overrides": {}},
        "trained": False,
    }
    doc.update(changes)
    return json.dumps(doc).encode()


def _corrupt_member(good: bytes) -> bytes:
    # Flip a byte inside the stored model: the zip's CRC check must catch it.
    middle = len(good) // 2
    return good[:middle] + bytes([good[middle] ^ 0xFF]) + good[middle + 1 :]


BAD_PROJECTS = {
    "empty": (lambda good: b"", "not a tlgui project"),
    "random bytes": (lambda good: os.urandom(300), "not a tlgui project"),
    "truncated": (lambda good: good[: len(good) // 2], "not a tlgui project"),
    "png": (lambda good: b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not a tlgui project"),
    "no project.json": (lambda good: _zip({"other.txt": b"hi"}), "has no project.json"),
    "json garbage": (lambda good: _zip({PROJECT_JSON: b"{not json"}), "not readable"),
    "wrong format": (lambda good: _zip({PROJECT_JSON: _document(format="x")}), "unknown format"),
    "newer version": (lambda good: _zip({PROJECT_JSON: _document(format_version=2)}), "newer version"),
    "bad config": (lambda good: _zip({PROJECT_JSON: _document(config={"epochs": 0})}), "settings"),
    "bad dataset": (lambda good: _zip({PROJECT_JSON: _document(dataset={"version": 99})}), "class list"),
    "model missing": (lambda good: _zip({PROJECT_JSON: _document(trained=True)}), "lacks model.safetensors"),
    "bad model": (
        lambda good: _zip({PROJECT_JSON: _document(trained=True), MODEL_MEMBER: b"\0" * 64}),
        "The model inside",
    ),
    "corrupt member": (_corrupt_member, "cannot be read"),
}


@pytest.fixture(scope="module")
def good_project_bytes(dataset, classifier, tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("good") / "good.tlgui"
    save_project(_project(dataset, classifier), path)
    return path.read_bytes()


@pytest.mark.parametrize("case", BAD_PROJECTS)
def test_bad_projects_raise_model_file_error(case, good_project_bytes, tmp_path, no_unpickling):
    make, expected = BAD_PROJECTS[case]
    path = tmp_path / "bad.tlgui"
    path.write_bytes(make(good_project_bytes))
    with pytest.raises(ModelFileError, match=expected):
        load_project(path)


def test_missing_project_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_project(tmp_path / "nothing.tlgui")


def test_project_model_bytes_equal_model_file_bytes_apart_from_timestamp(dataset, classifier, tmp_path):
    path = tmp_path / "p.tlgui"
    save_project(_project(dataset, classifier), path)
    with zipfile.ZipFile(path) as archive:
        embedded = archive.read(MODEL_MEMBER)
    direct = classifier_to_bytes(classifier)
    assert len(embedded) == len(direct)
    header = int.from_bytes(direct[:8], "little") + 8
    assert embedded[header:] == direct[header:]
