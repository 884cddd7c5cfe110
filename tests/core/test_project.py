"""Project files: round trip with and without a model, unicode paths, atomic saves, damaged files."""

from __future__ import annotations

import io
import json
import os
import pickle
import stat
import struct
import sys
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tlgui.core import project as project_module
from tlgui.core.backbones import create_backbone, get_spec
from tlgui.core.backbones.staged import replace_head
from tlgui.core.data.bins import DataSet, scan
from tlgui.core.data.items import MAX_CLASSES
from tlgui.core.errors import ModelFileError, TlguiError
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import classifier_to_bytes, load_classifier
from tlgui.core.project import (
    MODEL_MEMBER,
    PROJECT_JSON,
    Project,
    load_project,
    run_model_member,
    save_project,
)
from tlgui.core.training.runs import MAX_RUNS, RunHistory, run_from_classifier
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
    """A project; with ``classifier``, one run (run 1, in use) whose model it is."""
    overrides = {"stages.stem": True, "stages.blocks_6.0": False}
    config = TrainConfig(epochs=7, batch_size=8, freeze_level=2, trainable_overrides=overrides)
    runs = RunHistory([run_from_classifier(classifier, 1)], in_use_id=1) if classifier is not None else RunHistory()
    return Project(dataset, BACKBONE, config, runs)


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
    assert loaded.config.trainable_overrides == {"stages.stem": True, "stages.blocks_6.0": False}
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
        info = archive.getinfo(run_model_member(1))
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
    "json garbage": (lambda good: _zip({PROJECT_JSON: b"{not json"}), "not valid JSON"),
    "wrong format": (lambda good: _zip({PROJECT_JSON: _document(format="x")}), "unknown format"),
    "newer version": (lambda good: _zip({PROJECT_JSON: _document(format_version=3)}), "newer version"),
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
        embedded = archive.read(run_model_member(1))
    direct = classifier_to_bytes(classifier)
    assert len(embedded) == len(direct)
    header = int.from_bytes(direct[:8], "little") + 8
    assert embedded[header:] == direct[header:]


# ---- hostile files: limits decided before reading -----------------------------------------------
def _raw_zip(members: list[tuple[str, bytes, int, int]], *, flags: int = 0, comment: bytes = b"") -> bytes:
    """A zip written by hand: (name, payload as stored, method, declared size) per member.

    zipfile cannot write a member whose declared size lies or whose payload is pre-deflated.
    """
    local, central = bytearray(), bytearray()
    for name, payload, method, declared in members:
        raw_name = name.encode("utf-8")
        crc = zlib.crc32(payload) if method == zipfile.ZIP_STORED else 0
        offset = len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 33, crc, len(payload),
                             declared, len(raw_name), 0) + raw_name + payload
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, method, 0, 33, crc, len(payload),
                               declared, len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(local),
                      len(comment))
    return bytes(local + central + end + comment)


def _deflated_zeros(n_mib: int) -> bytes:
    """A raw deflate stream of ``n_mib`` MiB of zeros, about 1 KB per MiB, built without inflating it."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(b"\0" * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * n_mib + packer.flush()


def _load_measured(path) -> tuple[BaseException | None, int]:
    """What load_project raised (None if it loaded) and the peak of memory it allocated meanwhile."""
    tracemalloc.start()
    try:
        load_project(path)
        raised = None
    except Exception as exc:  # noqa: BLE001 - the caller asserts on what it was
        raised = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return raised, peak


def test_a_zip_bomb_is_refused_from_its_directory_before_inflating(tmp_path):
    bomb = _deflated_zeros(3 * 1024)  # 3 GiB of zeros in about 3 MB
    path = tmp_path / "bomb.tlgui"
    path.write_bytes(_raw_zip([(PROJECT_JSON, bomb, zipfile.ZIP_DEFLATED, 3 * 1024**3)]))
    assert path.stat().st_size < 4 * 1024**2
    raised, peak = _load_measured(path)
    assert isinstance(raised, ModelFileError) and "claims 3,221,225,472 bytes" in str(raised)
    assert peak < 16 * 1024**2


@pytest.mark.parametrize("field, value, words", [
    # Fields of the first central directory entry: "version needed to extract" (offset 6), flags (8).
    (6, 0xFF, "not a readable zip"),
    (8, 0x20, "cannot be read"),  # general purpose flags: "compressed patched data"
])
def test_zip_features_zipfile_does_not_read_are_a_damaged_file(dataset, tmp_path, field, value, words):
    """Found by the byte-flip fuzz test: zipfile raises NotImplementedError for these, not BadZipFile."""
    path = tmp_path / "p.tlgui"
    save_project(_project(dataset), path)
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")
    data[entry + field : entry + field + 2] = value.to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=words):
        load_project(path)


def test_a_zip_bomb_that_lies_about_its_size_inflates_no_further_than_it_says(tmp_path):
    bomb = _deflated_zeros(3 * 1024)
    path = tmp_path / "liar.tlgui"
    path.write_bytes(_raw_zip([(PROJECT_JSON, bomb, zipfile.ZIP_DEFLATED, 1000)]))
    raised, peak = _load_measured(path)
    assert isinstance(raised, ModelFileError) and "cannot be read" in str(raised)
    assert peak < 16 * 1024**2


def test_an_implausible_compression_ratio_is_refused(tmp_path):
    bomb = _deflated_zeros(60)  # 60 MiB, under the size cap, from 60 KB
    path = tmp_path / "ratio.tlgui"
    path.write_bytes(_raw_zip([(PROJECT_JSON, bomb, zipfile.ZIP_DEFLATED, 60 * 1024**2)]))
    raised, peak = _load_measured(path)
    assert isinstance(raised, ModelFileError) and "would inflate" in str(raised)
    assert peak < 16 * 1024**2


def test_a_deflated_model_is_refused_because_tlgui_stores_models(tmp_path):
    members = [(PROJECT_JSON, _document(trained=True), zipfile.ZIP_STORED, len(_document(trained=True))),
               (MODEL_MEMBER, _deflated_zeros(2), zipfile.ZIP_DEFLATED, 2 * 1024**2)]
    (tmp_path / "m.tlgui").write_bytes(_raw_zip(members))
    with pytest.raises(ModelFileError, match="model.safetensors is compressed as tlgui never does"):
        load_project(tmp_path / "m.tlgui")


def test_a_stored_member_whose_sizes_disagree_is_refused(tmp_path):
    doc = _document()
    (tmp_path / "s.tlgui").write_bytes(_raw_zip([(PROJECT_JSON, doc, zipfile.ZIP_STORED, len(doc) * 10)]))
    with pytest.raises(ModelFileError, match="would inflate"):
        load_project(tmp_path / "s.tlgui")


def test_json_nested_100000_deep_is_one_sentence(tmp_path):
    deep = _document()[:-1] + b', "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    (tmp_path / "deep.tlgui").write_bytes(_zip({PROJECT_JSON: deep}))
    with pytest.raises(ModelFileError, match=r"deep\.tlgui is damaged: its data is nested more than"):
        load_project(tmp_path / "deep.tlgui")


def test_a_100000_digit_number_is_refused_quickly(tmp_path):
    huge = _document()[:-1] + b', "x": 1' + b"0" * 100_000 + b"}"
    (tmp_path / "huge.tlgui").write_bytes(_zip({PROJECT_JSON: huge}))
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_project(tmp_path / "huge.tlgui")


def test_json_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "latin.tlgui").write_bytes(_zip({PROJECT_JSON: _document(backbone_id="caf\u00e9")
                                                 .replace(b"caf\\u00e9", "café".encode("latin-1"))}))
    with pytest.raises(ModelFileError, match="not UTF-8"):
        load_project(tmp_path / "latin.tlgui")


def test_duplicate_entries_are_refused(tmp_path):
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it is asked to write
        archive.writestr(PROJECT_JSON, _document(backbone_id="resnet50"))
        archive.writestr(PROJECT_JSON, _document())
    (tmp_path / "twice.tlgui").write_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError, match="holds project.json more than once"):
        load_project(tmp_path / "twice.tlgui")


@pytest.mark.parametrize(
    "name", ["../project.json", "sub/project.json", "/project.json", "project.json\0.txt", "evil.sh", "PROJECT.JSON"]
)
def test_members_other_than_tlgui_writes_are_refused(tmp_path, name):
    doc = _document()
    members = [(PROJECT_JSON, doc, zipfile.ZIP_STORED, len(doc)), (name, b"x", zipfile.ZIP_STORED, 1)]
    (tmp_path / "extra.tlgui").write_bytes(_raw_zip(members))
    with pytest.raises(ModelFileError, match="which tlgui never writes"):
        load_project(tmp_path / "extra.tlgui")


def test_a_directory_of_many_entries_is_refused_before_zipfile_parses_it(tmp_path):
    doc = _document()
    members = [(PROJECT_JSON, doc, zipfile.ZIP_STORED, len(doc))] + [
        (f"{i}", b"", zipfile.ZIP_STORED, 0) for i in range(50_000)
    ]
    (tmp_path / "many.tlgui").write_bytes(_raw_zip(members))
    raised, peak = _load_measured(tmp_path / "many.tlgui")
    assert isinstance(raised, ModelFileError) and f"holds 50001 entries, a project at most {1 + 2 * MAX_RUNS}" in str(raised)
    assert peak < 256 * 1024  # its 2.5 MB directory was never read, let alone parsed


def test_a_directory_too_long_for_two_entries_is_refused(tmp_path):
    doc = _document()
    long_name = "x" * 5000
    (tmp_path / "long.tlgui").write_bytes(_raw_zip([(PROJECT_JSON, doc, 0, len(doc)), (long_name, b"", 0, 0)]))
    with pytest.raises(ModelFileError, match="its zip directory is 5,"):
        load_project(tmp_path / "long.tlgui")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda doc: _raw_zip([(PROJECT_JSON, doc, 0, len(doc))], flags=1), "encrypted"),
        (lambda doc: _raw_zip([(PROJECT_JSON, doc, 12, len(doc))]), "compressed as tlgui never does"),
        (lambda doc: _raw_zip([(PROJECT_JSON, doc, 0, len(doc))], comment=b"hi"), "not a readable zip"),
    ],
    ids=["encrypted", "bzip2", "zip comment"],
)
def test_zips_tlgui_never_writes_are_refused(tmp_path, make, expected):
    (tmp_path / "z.tlgui").write_bytes(make(_document()))
    with pytest.raises(ModelFileError, match=expected):
        load_project(tmp_path / "z.tlgui")


def test_a_model_in_an_untrained_project_is_refused(tmp_path):
    (tmp_path / "m.tlgui").write_bytes(_zip({PROJECT_JSON: _document(trained=False), MODEL_MEMBER: b"\0" * 64}))
    with pytest.raises(ModelFileError, match="holds a model but says it is not trained"):
        load_project(tmp_path / "m.tlgui")


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.tlgui"
    path.write_bytes(_zip({PROJECT_JSON: _document()}))
    monkeypatch.setattr(project_module, "MAX_PROJECT_BYTES", 100)
    monkeypatch.setattr(zipfile, "ZipFile", None)  # nothing may even try
    with pytest.raises(ModelFileError, match="more than the 100 bytes"):
        load_project(path)


def test_a_folder_is_not_a_project(tmp_path):
    with pytest.raises(ModelFileError, match="is a folder"):
        load_project(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.tlgui")
    with pytest.raises(ModelFileError, match="pipe"):
        load_project(tmp_path / "pipe.tlgui")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_link_to_dev_zero_is_refused(tmp_path):
    (tmp_path / "zero.tlgui").symlink_to("/dev/zero")
    with pytest.raises(ModelFileError, match="device"):
        load_project(tmp_path / "zero.tlgui")


# ---- every field checked for type -------------------------------------------------------------------
def _config(**changes) -> dict:
    return {**TrainConfig().to_dict(), **changes}


WRONG_TYPES = {
    "epochs as text": {"config": _config(epochs="30")},
    "epochs fractional": {"config": _config(epochs=30.5)},
    "epochs as a boolean": {"config": _config(epochs=True)},
    "batch size astronomically large": {"config": _config(batch_size=10**30)},
    "seed of 4000 digits": {"config": _config(seed=10**4000)},
    "learning rate as text": {"config": _config(learning_rate="fast")},
    "learning rate infinite": {"config": _config(learning_rate=1e400)},
    "learning rate not a number": {"config": _config(learning_rate=float("nan"))},
    "learning rate negative": {"config": _config(learning_rate=-1.0)},
    "weight decay as a list": {"config": _config(weight_decay=[1])},
    "label smoothing 1e308": {"config": _config(label_smoothing=1e308)},
    "augment as text": {"config": _config(augment="no")},
    "device as a number": {"config": _config(device=5)},
    "device of 5000 digits": {"config": _config(device="cuda:" + "9" * 5000)},
    "overrides with text values": {"config": _config(trainable_overrides={"stages.stem": "yes"})},
    "overrides as a list": {"config": _config(trainable_overrides=["stages.stem"])},
    "config as a list": {"config": [1, 2]},
    "config missing": {"config": None},
    "freeze as text": {"freeze": "all"},
    "freeze level as text": {"freeze": {"level": "2", "overrides": {}}},
    "freeze level negative": {"freeze": {"level": -1, "overrides": {}}},
    "freeze level huge": {"freeze": {"level": 2**40, "overrides": {}}},
    "freeze overrides as a list": {"freeze": {"level": None, "overrides": []}},
    "freeze overrides with numbers": {"freeze": {"level": None, "overrides": {"stages.stem": 1}}},
    "backbone as a number": {"backbone_id": 5},
    "backbone empty": {"backbone_id": ""},
    "backbone of a megabyte": {"backbone_id": "x" * 1_000_000},
    "trained as text": {"trained": "yes"},
    "dataset as a list": {"dataset": []},
    "classes as a mapping": {"dataset": {"version": 1, "classes": {"a": 1}, "skipped": []}},
    "items as numbers": {"dataset": {"version": 1, "classes": [{"name": "a", "items": [1]}], "skipped": []}},
    "format version as text": {"format_version": "1"},
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_wrong_types_are_refused_at_load_naming_the_file(case, tmp_path):
    path = tmp_path / "typed.tlgui"
    path.write_bytes(_zip({PROJECT_JSON: _document(**WRONG_TYPES[case])}))
    with pytest.raises(ModelFileError) as caught:
        load_project(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message and len(message) < 400


def test_ints_are_taken_for_floats_and_unknown_settings_ignored(tmp_path):
    path = tmp_path / "lenient.tlgui"
    path.write_bytes(_zip({PROJECT_JSON: _document(config=_config(learning_rate=1, weight_decay=0, future=True))}))
    config = load_project(path).config
    assert config.learning_rate == 1.0 and isinstance(config.learning_rate, float)
    assert config.weight_decay == 0.0 and isinstance(config.weight_decay, float)


# ---- photo paths are data, never opened here ------------------------------------------------------------
_opened: list[str] | None = None
_recording = False


def _record_opens(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        _opened.append(os.fsdecode(args[0]))


def _start_recording_opens() -> None:
    """Every file this process opens from now on lands in ``_opened`` (while it is a list)."""
    global _recording, _opened
    if not _recording:
        sys.addaudithook(_record_opens)  # hooks cannot be removed; this one idles when _opened is None
        _recording = True
    _opened = []


def test_loading_opens_no_photo_the_project_lists(tmp_path):
    global _opened
    fifo = tmp_path / "pipe.jpg"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
    photos = ["/dev/zero", str(fifo), str(tmp_path / "missing.jpg"), "relative/../../etc/passwd"]
    dataset = {
        "version": 1,
        "classes": [{"name": "a", "items": [{"path": p, "digest": f"d{i}", "split": None}
                                            for i, p in enumerate(photos)]}],
        "skipped": [{"path": "/dev/random", "reason": "x"}],
    }
    path = tmp_path / "paths.tlgui"
    path.write_bytes(_zip({PROJECT_JSON: _document(dataset=dataset)}))
    _start_recording_opens()
    try:
        project = load_project(path)
        opened = list(_opened)
    finally:
        _opened = None
    assert len(project.dataset) == 4
    assert os.path.realpath(path) in {os.path.realpath(p) for p in opened}
    assert not {os.path.basename(p) for p in opened} & {"zero", "pipe.jpg", "missing.jpg", "passwd", "random"}


# ---- the "242 KB, 6.5 GB" case: thousands of classes ------------------------------------------------------
def test_a_project_of_as_many_classes_as_a_model_holds_loads_in_bounded_memory(tmp_path):
    names = [f"class {i} " + "x" * 200 for i in range(MAX_CLASSES)]
    dataset = {"version": 1, "classes": [{"name": name, "items": []} for name in names], "skipped": []}
    document = _document(dataset=dataset)
    assert len(document) > 200_000
    path = tmp_path / "classes.tlgui"
    path.write_bytes(_zip({PROJECT_JSON: document}))
    raised, peak = _load_measured(path)
    assert raised is None
    assert peak < 50 * len(document)


def test_a_project_of_8000_classes_is_refused_before_they_are_built(tmp_path):
    dataset = {"version": 1, "classes": [{"name": f"class {i}", "items": []} for i in range(8000)], "skipped": []}
    document = _document(dataset=dataset)
    path = tmp_path / "classes.tlgui"
    path.write_bytes(_zip({PROJECT_JSON: document}))
    raised, peak = _load_measured(path)
    assert "8,000 classes, more than the 1,000 a project holds" in str(raised)
    assert peak < 50 * len(document)


# ---- saving what was loaded -----------------------------------------------------------------------------------
def test_a_file_name_that_is_not_utf8_survives_save_and_load(tmp_path):
    dataset = DataSet.from_dict({
        "version": 1,
        "classes": [{"name": "a", "items": [{"path": os.fsdecode(b"/photos/caf\xe9.jpg"), "digest": "d", "split": None}]}],
        "skipped": [],
    })
    path = tmp_path / "latin1 names.tlgui"
    save_project(Project(dataset, BACKBONE, TrainConfig()), path)
    loaded = load_project(path)
    assert os.fsencode(loaded.dataset.items()[0].path) == b"/photos/caf\xe9.jpg"


def test_a_project_too_large_to_open_again_is_not_saved(dataset, tmp_path, monkeypatch):
    path = tmp_path / "p.tlgui"
    save_project(_project(dataset), path)
    before = path.read_bytes()
    monkeypatch.setattr(project_module, "MAX_DOCUMENT_BYTES", 1000)
    with pytest.raises(TlguiError, match="too large to save"):
        save_project(_project(dataset), path)
    assert path.read_bytes() == before


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and links")
def test_saving_a_project_keeps_a_private_mode_and_a_symlink(dataset, tmp_path):
    real = tmp_path / "real.tlgui"
    save_project(_project(dataset), real)
    os.chmod(real, 0o600)
    link = tmp_path / "link.tlgui"
    link.symlink_to(real)
    save_project(_project(dataset), link)
    assert link.is_symlink()
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600
    assert load_project(link).backbone_id == BACKBONE


# ---- two windows, one file --------------------------------------------------------------------------
def test_a_save_over_a_file_changed_since_it_was_opened_is_refused_and_writes_nothing(tmp_path, dataset):
    path = tmp_path / "shared.tlgui"
    first_stamp = project_module.save_project(_project(dataset), path)
    assert first_stamp == project_module.file_stamp(path)
    # Another window opened it too and saved a change.
    theirs = _project(dataset)
    theirs.config = TrainConfig(epochs=3)
    project_module.save_project(theirs, path, opened_as=first_stamp)
    their_bytes = path.read_bytes()
    # This window's save, still holding the stamp of what it opened, would replace their change.
    with pytest.raises(project_module.ProjectChangedError, match="changed by another window or program"):
        project_module.save_project(_project(dataset), path, opened_as=first_stamp)
    assert path.read_bytes() == their_bytes
    # Asked and told to replace it (no stamp to check), or saving with the stamp of the file as it is now.
    replaced = project_module.save_project(_project(dataset), path)
    assert load_project(path).config.epochs == 7
    project_module.save_project(theirs, path, opened_as=replaced)
    assert load_project(path).config.epochs == 3
    # A file deleted meanwhile is simply written again.
    path.unlink()
    project_module.save_project(_project(dataset), path, opened_as=replaced)
    assert load_project(path).config.epochs == 7


def test_a_save_overtaken_by_another_while_it_writes_is_refused_and_keeps_theirs(tmp_path, dataset, monkeypatch):
    """Both windows find the file unchanged when they start saving; the one that replaces it second
    checks again, under the first one's lock, and is refused."""
    path = tmp_path / "shared.tlgui"
    opened = project_module.save_project(_project(dataset), path)
    theirs = _project(dataset)
    theirs.config = TrainConfig(epochs=3)
    real_zipfile = project_module.zipfile.ZipFile
    overtaken = []

    def zipfile_while_another_saves(*args, **kwargs):
        if not overtaken:  # this save has checked and is writing: the other window saves now
            overtaken.append(None)
            overtaken[0] = project_module.save_project(theirs, path, opened_as=opened)
        return real_zipfile(*args, **kwargs)

    monkeypatch.setattr(project_module.zipfile, "ZipFile", zipfile_while_another_saves)
    with pytest.raises(project_module.ProjectChangedError):
        project_module.save_project(_project(dataset), path, opened_as=opened)
    assert load_project(path).config.epochs == 3
    assert overtaken == [project_module.file_stamp(path)]
    assert [p.name for p in tmp_path.iterdir()] == ["shared.tlgui"]


# ---- a project moved with its photos ----------------------------------------------------------------
def _project_beside_its_photos(folder: Path) -> Path:
    """A project file in ``folder`` whose photos are in ``folder``/photos, and one kept elsewhere."""
    rng = np.random.default_rng(1)
    for label in ("ants", "bees"):
        (folder / "photos" / label).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(folder / "photos" / label / f"{i}.png")
    dataset = DataSet()
    dataset.add_folder(folder / "photos")
    path = folder / "project.tlgui"
    save_project(_project(dataset), path)
    return path


def test_a_project_moved_with_its_photos_finds_them_again(tmp_path):
    path = _project_beside_its_photos(tmp_path / "before")
    moved = tmp_path / "elsewhere" / "after"
    moved.parent.mkdir()
    (tmp_path / "before").rename(moved)
    project = load_project(moved / "project.tlgui")
    assert project.photos_found_moved == 6
    paths = [item.path for item in project.dataset.items()]
    assert len(paths) == 6 and all(p.is_file() and p.is_relative_to(moved) for p in paths)
    assert project.dataset.class_counts() == {"ants": 3, "bees": 3}
    # Saved again from there, it says where it is now: nothing to find next time.
    save_project(project, moved / "project.tlgui")
    assert load_project(moved / "project.tlgui").photos_found_moved == 0
    assert path.parent.exists() is False


@pytest.mark.parametrize("pointed_at", ["the folder itself", "the folder holding it"])
def test_photos_moved_without_the_project_are_counted_and_found_where_the_user_points(tmp_path, pointed_at):
    # A project whose photos had gone opened without a word; only Train said so, by failing.
    path = _project_beside_its_photos(tmp_path / "here")
    (tmp_path / "usb").mkdir()
    (tmp_path / "here" / "photos").rename(tmp_path / "usb" / "photos")
    project = load_project(path)
    assert (project.photos_found_moved, project.photos_missing) == (0, 6)
    assert len(project.dataset.missing_photos()) == 6
    folder = tmp_path / "usb" / "photos" if pointed_at == "the folder itself" else tmp_path / "usb"
    assert len(project.dataset.find_photos_in(folder)) == 6
    assert project.dataset.missing_photos() == [] and project.dataset.class_counts() == {"ants": 3, "bees": 3}
    assert all(item.path.is_relative_to(tmp_path / "usb" / "photos") for item in project.dataset.items())
    assert project.dataset.find_photos_in(tmp_path) == {}  # nothing left to find


def test_a_folder_without_the_photos_finds_none(tmp_path):
    path = _project_beside_its_photos(tmp_path / "here")
    (tmp_path / "here" / "photos" / "ants").rename(tmp_path / "gone")
    project = load_project(path)
    assert project.photos_missing == 3
    (tmp_path / "elsewhere").mkdir()
    assert project.dataset.find_photos_in(tmp_path / "elsewhere") == {}
    assert len(project.dataset.missing_photos()) == 3


def test_a_project_copied_away_from_photos_still_in_place_keeps_their_paths(tmp_path):
    path = _project_beside_its_photos(tmp_path / "here")
    (tmp_path / "copy").mkdir()
    copied = tmp_path / "copy" / "project.tlgui"
    copied.write_bytes(path.read_bytes())
    project = load_project(copied)
    assert project.photos_found_moved == 0
    assert all(item.path.is_relative_to(tmp_path / "here") for item in project.dataset.items())


def _photo(path: Path, shade: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 6), (shade, shade, shade)).save(path)


def _project_of_relative_paths(folder: Path) -> Path:
    """A hand-written project in ``folder`` naming its photos relative to itself, one of them in a
    folder beside it (``../``), one skipped and one kept."""
    _photo(folder / "photos" / "a.png", 1)
    _photo(folder.parent / "beside" / "b.png", 2)
    dataset = {
        "version": 1,
        "classes": [{"name": "a", "items": [{"path": "photos/a.png", "digest": "d1", "split": None},
                                            {"path": "../beside/b.png", "digest": "d2", "split": "val"}]}],
        "skipped": [{"path": "photos/bad.jpg", "reason": "damaged"}],
        "kept_labels": [{"path": "photos/a.png"}],
    }
    path = folder / "hand written.tlgui"
    path.write_bytes(_zip({PROJECT_JSON: _document(dataset=dataset)}))
    return path


def test_relative_photo_paths_are_taken_from_the_project_folder_not_the_working_one(tmp_path, monkeypatch):
    # They were taken from the working directory: "../../../../etc/passwd" opened what lay there.
    path = _project_of_relative_paths(tmp_path / "project")
    decoy = tmp_path / "working"
    _photo(decoy / "photos" / "a.png", 3)  # what the working directory would have given
    monkeypatch.chdir(decoy)
    project = load_project(path)
    assert [item.path for item in project.dataset.items()] == [
        tmp_path / "project" / "photos" / "a.png", tmp_path / "beside" / "b.png"]
    assert [s.path for s in project.dataset.skipped] == [tmp_path / "project" / "photos" / "bad.jpg"]
    assert project.photos_missing == 0
    # The kept photo is still the photo in the bins: the same rule placed both.
    saved = tmp_path / "project" / "saved.tlgui"
    save_project(project, saved)
    document = json.loads(zipfile.ZipFile(saved).read(PROJECT_JSON))
    assert document["dataset"]["kept_labels"] == [{"path": str(tmp_path / "project" / "photos" / "a.png")}]


def test_a_project_of_relative_paths_reads_the_same_from_any_working_directory(tmp_path, monkeypatch):
    path = _project_of_relative_paths(tmp_path / "project")
    found = []
    for working in (tmp_path, tmp_path / "project" / "photos", Path("/")):
        monkeypatch.chdir(working)
        project = load_project(path)
        found.append(([item.path for item in project.dataset.items()], project.photos_missing))
    assert found[0] == found[1] == found[2]
    paths, missing = found[0]
    assert all(p.is_absolute() for p in paths) and missing == 0


def test_a_relative_photo_that_is_not_there_is_missing_for_the_user_to_find(tmp_path):
    path = _project_of_relative_paths(tmp_path / "project")
    (tmp_path / "beside" / "b.png").rename(tmp_path / "b.png")
    project = load_project(path)
    assert project.photos_missing == 1
    assert project.dataset.find_photos_in(tmp_path) == {tmp_path / "beside" / "b.png": tmp_path / "b.png"}
    assert project.dataset.missing_photos() == []


@pytest.mark.parametrize("saved_in", [{"path_bytes": "not base64!"}, ["/a"], "/a", 3])
def test_a_damaged_saved_in_folder_is_refused(tmp_path, good_project_bytes, saved_in):
    with zipfile.ZipFile(io.BytesIO(good_project_bytes)) as archive:
        document = json.loads(archive.read("project.json"))
        members = {name: archive.read(name) for name in archive.namelist()}
    document["saved_in"] = saved_in
    members["project.json"] = json.dumps(document).encode()
    path = tmp_path / "forged.tlgui"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ModelFileError, match="the folder it was saved in"):
        load_project(path)


def test_a_moved_project_finds_its_runs_validation_photos_again_and_checks_exports_on_them(tmp_path, classifier):
    """The run's validation photos kept their old paths: its mistakes showed as missing, and an
    ONNX export of its model was checked on random inputs ("no photos at hand")."""
    from tlgui.core.project import export_check_photos
    from tlgui.core.training.metrics import EvaluationReport, ValPrediction

    folder = tmp_path / "before"
    path = _project_beside_its_photos(folder)
    project = load_project(path)
    run = run_from_classifier(classifier, 1)
    photos = sorted(item.path for item in project.dataset.items())
    names = classifier.class_names
    run.report = EvaluationReport(names, [[1, 0], [0, 1]], [1.0, 1.0], [1.0, 1.0], 1.0,
                                  [ValPrediction(photos[0], names[0], names[0], 0.9),
                                   ValPrediction(photos[-1], names[1], names[1], 0.8)])
    project.runs = RunHistory([run], in_use_id=1)
    save_project(project, path)
    moved = tmp_path / "after"
    folder.rename(moved)

    reopened = load_project(moved / "project.tlgui")
    found = [p.path for p in reopened.runs.in_use.report.predictions]
    assert found == [moved / p.relative_to(folder) for p in (photos[0], photos[-1])]
    assert export_check_photos(reopened.runs.in_use, reopened.dataset, reopened.config) == found


def _validated_run(classifier: Classifier, run_id: int, dataset: DataSet, accuracy: float):
    """A run of ``classifier`` checked on every photo of ``dataset`` as it is now, scoring ``accuracy``
    (its key made by the rule a trained run's is)."""
    from dataclasses import replace

    from tlgui.core.training.metrics import EvaluationReport, ValPrediction
    from tlgui.core.training.runs import validation_key

    names = classifier.class_names  # the bins' "ants" and "bees", in the model's words
    predictions = [ValPrediction(item.path, names[item.label == "bees"], names[0], 0.9)
                   for item in sorted(dataset.items(), key=lambda item: item.path)]
    report = EvaluationReport(names, [[3, 0], [3, 0]], [0.5, 0.0], [1.0, 0.0], accuracy, predictions)
    return replace(run_from_classifier(classifier, run_id), report=report, validation_key=validation_key(predictions),
                   predictions_recorded=True)


def test_runs_of_a_project_moved_with_its_photos_compare_with_a_run_made_there(tmp_path, classifier):
    """Its runs kept a key of the photos' old paths: a better run made after the move was "checked on
    different validation photos" and never went in use, though they were the same photos."""
    from tlgui.core.training.runs import validation_key

    folder = tmp_path / "before"
    path = _project_beside_its_photos(folder)
    project = load_project(path)
    project.runs = RunHistory([_validated_run(classifier, 1, project.dataset, 0.5)], in_use_id=1)
    save_project(project, path)
    moved = tmp_path / "other computer"
    folder.rename(moved)

    reopened = load_project(moved / "project.tlgui")
    first = reopened.runs.get(1)
    assert all(p.path.is_relative_to(moved) and p.path.is_file() for p in first.report.predictions)
    assert first.validation_key == validation_key(first.report.predictions)
    added = reopened.runs.add(_validated_run(classifier, 2, reopened.dataset, 0.75))
    assert added.in_use and "beats the 50.0% of run 1 on the same validation photos" in added.note

    save_project(reopened, moved / "project.tlgui")
    again = load_project(moved / "project.tlgui")
    assert [r.validation_key for r in again.runs] == [r.validation_key for r in reopened.runs]
    assert all(p.path.is_relative_to(moved) for r in again.runs for p in r.report.predictions)


def test_photos_the_user_finds_are_found_for_the_runs_too_and_stay_found(tmp_path, classifier):
    """What "Find them…" does: the runs kept the old paths, and a save kept them for good (the next
    open had nothing to find, the file being where it was saved)."""
    from tlgui.core.project import find_photos_in
    from tlgui.core.training.runs import validation_key

    path = _project_beside_its_photos(tmp_path / "here")
    project = load_project(path)
    project.runs = RunHistory([_validated_run(classifier, 1, project.dataset, 0.5)], in_use_id=1)
    save_project(project, path)
    (tmp_path / "usb").mkdir()
    (tmp_path / "here" / "photos").rename(tmp_path / "usb" / "photos")

    project = load_project(path)
    assert project.photos_missing == 6
    assert find_photos_in(project.dataset, project.runs, tmp_path / "usb") == 6
    found = sorted(item.path for item in project.dataset.items())
    assert all(p.is_relative_to(tmp_path / "usb" / "photos") for p in found)
    first = project.runs.get(1)
    assert [p.path for p in first.report.predictions] == found
    assert first.validation_key == validation_key(first.report.predictions)
    assert project.runs.add(_validated_run(classifier, 2, project.dataset, 0.75)).in_use

    save_project(project, path)
    reopened = load_project(path)
    assert reopened.photos_missing == 0 and reopened.runs.in_use_id == 2
    assert [p.path for r in reopened.runs for p in r.report.predictions] == 2 * found


def test_an_export_is_checked_on_the_validation_split_when_the_run_s_photos_are_gone(tmp_path):
    from tlgui.core.project import export_check_photos
    from tlgui.core.training.metrics import EvaluationReport, ValPrediction
    from tlgui.core.training.runs import Run

    project = load_project(_project_beside_its_photos(tmp_path / "here"))
    gone = ValPrediction(tmp_path / "gone.png", "ants", "ants", 0.9)
    run = Run.__new__(Run)
    run.report = EvaluationReport(["ants", "bees"], [[1, 0], [0, 0]], [1.0, 0.0], [1.0, 0.0], 1.0, [gone])
    checked = export_check_photos(run, project.dataset, project.config)
    assert checked == [item.path for item in project.dataset.split(project.config.val_fraction, project.config.seed)[1]]
    assert checked and all(p.is_file() for p in checked)
