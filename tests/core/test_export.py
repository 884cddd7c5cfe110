"""ONNX export: a self-describing file, checked against tlgui's own prediction before it is kept."""

from __future__ import annotations

import contextlib
import copy
import errno
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from special_files import link_to_dev_zero, make_fifo, needs_dev_zero, needs_fifo
from torch import nn

from tlgui.core.backbones import get_spec
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.errors import Cancelled
from tlgui.core.files import atomic as atomic_module
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.export import (
    ExportError,
    ExportFormat,
    check_parity,
    companion_paths,
    export_model,
    export_onnx,
)
from tlgui.core.models.modelfile import read_model_info
from tlgui.core.predict.predictor import Predictor
from tlgui.core.progress import CancelToken
from tlgui.core.resources import demo_dir

CLASSES = ["cat", "dog", "bird"]


def _tiny_classifier(seed: int = 0) -> Classifier:
    torch.manual_seed(seed)
    net = StagedNetwork(
        [
            ("stem", nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.BatchNorm2d(8), nn.ReLU())),
            ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
            ("head", nn.Linear(8, len(CLASSES))),
        ],
        backbone_id="tiny",
    )
    return Classifier(net.eval(), list(CLASSES), "tiny", Preprocessing(input_size=32, resize_size=40))


def _demo_photos() -> list[Path]:
    return sorted((demo_dir() / "val").rglob("*.jpg"))


@pytest.fixture(scope="module")
def tiny_export(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "tiny.onnx"
    return export_onnx(_tiny_classifier(), out, check_photos=_demo_photos())


def test_the_onnx_file_describes_itself(tiny_export):
    model = onnx.load(str(tiny_export.model_path))
    (graph_input,) = model.graph.input
    (graph_output,) = model.graph.output
    assert graph_input.name == "image" and graph_output.name == "probabilities"
    assert graph_input.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    dims = graph_input.type.tensor_type.shape.dim
    assert dims[0].dim_param and [d.dim_value for d in dims[1:]] == [3, 32, 32]
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["class_names"]) == CLASSES
    assert json.loads(meta["preprocessing"]) == {
        "input_size": 32, "resize_size": 40, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
        "interpolation": "bilinear",
    }
    assert meta["backbone"] == "tiny" and meta["tlgui_version"]
    assert tiny_export.labels_path.read_text().splitlines() == CLASSES
    assert "probabilities" in tiny_export.readme_path.read_text()


def test_export_checks_itself_on_the_photos_it_was_given(tiny_export):
    parity = tiny_export.parity
    assert parity.from_photos and parity.inputs == len(_demo_photos()[:64])
    assert parity.top1_agreement == 1.0 and parity.max_probability_difference <= 1e-3


def test_any_batch_size_runs_and_sums_to_one(tiny_export):
    session = onnxruntime.InferenceSession(str(tiny_export.model_path), providers=["CPUExecutionProvider"])
    for n in (1, 7):
        (probabilities,) = session.run(None, {"image": np.zeros((n, 3, 32, 32), np.float32)})
        assert probabilities.shape == (n, 3)
        assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_a_file_that_disagrees_is_an_error(tiny_export):
    other = _tiny_classifier(seed=1)  # same architecture, other weights
    inputs = torch.randn(8, 3, 32, 32)
    with pytest.raises(ExportError, match="does not give tlgui's answers"):
        check_parity(other, tiny_export.model_path.read_bytes(), inputs)


def test_a_model_whose_own_outputs_are_not_finite_is_named_as_the_fault(tiny_export):
    # Finite weights that overflow (a head of 3e38s): the check used to compare NaN with NaN and say
    # "top-1 agreement 100.0% ..., largest probability difference nan", blaming the export.
    broken = _tiny_classifier()
    with torch.no_grad():
        broken.network.head.weight.fill_(3e38)
    inputs = torch.randn(8, 3, 32, 32)
    with pytest.raises(ExportError, match=r"^The model cannot be exported: its own outputs are not finite") as caught:
        check_parity(broken, tiny_export.model_path.read_bytes(), inputs)
    assert "agreement" not in str(caught.value) and "nan" not in str(caught.value)



def test_a_model_whose_own_outputs_are_not_finite_is_refused_before_it_is_converted(tmp_path, monkeypatch):
    """The conversion takes seconds (30 s for a real backbone): a model that computes NaN is refused first."""
    from tlgui.core.models import export as export_module

    broken = _tiny_classifier()
    with torch.no_grad():
        broken.network.head.weight.fill_(3e38)
    converted = []
    real = export_module._onnx_bytes
    monkeypatch.setattr(export_module, "_onnx_bytes", lambda *a: converted.append(1) or real(*a))
    with pytest.raises(ExportError, match="its own outputs are not finite"):
        export_onnx(broken, tmp_path / "m.onnx")
    assert converted == [] and list(tmp_path.iterdir()) == []


def test_no_photos_at_hand_checks_on_seeded_inputs_and_says_so(tmp_path):
    result = export_onnx(_tiny_classifier(), tmp_path / "m.onnx")
    assert not result.parity.from_photos and "random test inputs (no photos at hand)" in result.parity.sentence()


def test_photos_given_that_cannot_be_read_are_said_to_be_unreadable(tmp_path):
    # "no photos at hand" was said of a folder of photos that could not be read.
    broken = [tmp_path / f"broken{i}.jpg" for i in range(3)]
    for path in broken:
        path.write_bytes(b"not a photo")
    result = export_onnx(_tiny_classifier(), tmp_path / "m.onnx", check_photos=broken)
    assert not result.parity.from_photos
    assert "random test inputs (none of the 3 photos given could be read)" in result.parity.sentence()
    assert "none of the 3 photos given could be read" in (tmp_path / "m-README.txt").read_text()


def test_the_labels_file_has_one_line_per_output_whatever_the_names_hold(tmp_path):
    # Names from a model file or the bins cannot hold a line break any more; the labels file does not
    # rely on it: a newline or carriage return in one name shifted every label after it.
    classifier = _tiny_classifier()
    classifier.class_names = ["an\nts", "be\r\nes", "wasps\u2028\u202e"]
    result = export_onnx(classifier, tmp_path / "m.onnx")
    assert result.labels_path.read_bytes().decode("utf-8").splitlines() == ["an ts", "be es", "wasps"]
    assert "Classes (output order): an ts, be es, wasps\n" in result.readme_path.read_text(encoding="utf-8")


def test_the_labels_file_keeps_ordinary_names_exactly(tmp_path):
    from tlgui.core.models.export import labels_text

    names = ["chien à poil", "猫 ねこ", "👨\u200d👩\u200d👧", "\u200fשלום", "R&D (2)"]
    assert labels_text(names) == "".join(f"{name}\n" for name in names)


def test_a_failed_export_leaves_no_file_behind(tmp_path, monkeypatch):
    import tlgui.core.models.export as export_module

    def disagree(*_args, **_kwargs):
        raise ExportError("The exported ONNX model does not give tlgui's answers.")

    monkeypatch.setattr(export_module, "check_parity", disagree)
    out = tmp_path / "m.onnx"
    with pytest.raises(ExportError):
        export_onnx(_tiny_classifier(), out)
    assert list(tmp_path.iterdir()) == []


class _CrashesWhenTraced(nn.Module):
    """A network whose conversion kills the process converting it, as a crash in the exporter would
    (run, not converted, it answers: tlgui's own outputs are computed before the conversion)."""

    def forward(self, image):
        if torch.compiler.is_exporting() or torch.onnx.is_in_onnx_export():
            os._exit(7)
        return torch.zeros(image.shape[0], len(CLASSES))


def test_a_crash_while_converting_is_an_error_and_the_caller_lives_on(tmp_path):
    # The exporter runs in a child process: a crash there is one sentence here, not the end of the
    # window with its unsaved project.
    crashing = Classifier(_CrashesWhenTraced(), list(CLASSES), "tiny", Preprocessing(input_size=32, resize_size=40))
    with pytest.raises(ExportError, match=r"could not be converted to ONNX: .*exit status 7"):
        export_onnx(crashing, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_stop_while_converting_ends_the_conversion_at_once_and_writes_nothing(tmp_path):
    token = CancelToken()
    phases = []

    def progress(event):
        phases.append(event.message)
        if len(phases) == 1:  # "Converting to ONNX": Stop once the child is on its way
            threading.Timer(0.5, token.cancel).start()

    started = time.monotonic()
    with pytest.raises(Cancelled):
        export_onnx(_tiny_classifier(), tmp_path / "m.onnx", progress=progress, cancel=token)
    assert time.monotonic() - started < 10 and len(phases) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_failure_writing_any_file_of_an_export_leaves_the_earlier_export_as_it_was(tmp_path, monkeypatch):
    # The model was written over first and the clean-up deleted all four files (a full disk while the
    # README was written emptied the folder and blamed the model file).
    out = tmp_path / "m.onnx"
    export_onnx(_tiny_classifier(), out)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert len(before) == 4
    real_writer = atomic_module.atomic_writer

    @contextlib.contextmanager
    def full_disk_on_the_readme(path, mode="wb"):
        with real_writer(path, mode) as handle:
            if str(path).endswith("-README.txt"):
                def write(_data):
                    raise OSError(errno.ENOSPC, "No space left on device")
                handle = SimpleNamespace(write=write)
            yield handle

    monkeypatch.setattr(atomic_module, "atomic_writer", full_disk_on_the_readme)
    with pytest.raises(ExportError, match="m-README.txt: No space left on device"):
        export_onnx(_tiny_classifier(seed=1), out)
    monkeypatch.undo()
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before  # no temporaries either


def test_a_file_beside_the_export_in_the_way_is_refused_before_any_work(tmp_path, monkeypatch):
    import tlgui.core.models.export as export_module

    (tmp_path / "m-README.txt").mkdir()
    monkeypatch.setattr(export_module, "_onnx_bytes", lambda *_: pytest.fail("converted before checking"))
    with pytest.raises(ExportError, match="m-README.txt: it is not a regular file"):
        export_onnx(_tiny_classifier(), tmp_path / "m.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-README.txt"]


def test_bad_targets_are_one_sentence_and_write_nothing(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        export_model(_tiny_classifier(), tmp_path / "file" / "m.onnx")
    assert export_model(_tiny_classifier(), tmp_path / "new" / "m.safetensors") is None  # folders are made
    (tmp_path / "dir.onnx").mkdir()
    with pytest.raises(ExportError, match="not a regular file"):
        export_model(_tiny_classifier(), tmp_path / "dir.onnx")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ExportError, match="not writable"):
            export_model(_tiny_classifier(), locked / "m.onnx")


def test_tlgui_format_goes_through_the_same_door(tmp_path):
    out = tmp_path / "m.safetensors"
    assert ExportFormat.of_path(out) is ExportFormat.TLGUI
    assert export_model(_tiny_classifier(), out) is None
    assert read_model_info(out)["class_names"] == CLASSES


def _odd_photos(photo: Path, folder: Path) -> list[Path]:
    """The demo photo as files tlgui reads with care: large and rotated by EXIF, transparent, 16-bit."""
    from PIL import Image

    image = Image.open(photo).convert("RGB")
    large = folder / "large-rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise
    image.resize((image.width * 4, image.height * 4), Image.BICUBIC).save(large, quality=92, exif=exif)
    transparent = folder / "transparent.png"
    alpha = Image.linear_gradient("L").resize(image.size)
    Image.merge("RGBA", (*image.split(), alpha)).save(transparent)
    deep = folder / "sixteen-bit.png"
    Image.fromarray(np.asarray(image.convert("L"), np.uint16) * 257).save(deep)
    return [photo, large, transparent, deep]


@pytest.mark.slow
def test_the_example_script_classifies_photos_as_tlgui_does(tmp_path, bundled_network):
    """The bundled network with its ImageNet head: the script reads each photo into the pixels tlgui
    gives the network, so only onnxruntime's arithmetic separates its answers from tlgui's."""
    spec = get_spec("efficientnet_lite0")
    names = [f"imagenet_{i}" for i in range(1000)]
    # A copy: the Predictor below puts its network in channels-last, and the session's shared network
    # changed so made a later test's bit-exact comparison fail (tests/test_startup.py).
    classifier = Classifier(copy.deepcopy(bundled_network), names, spec.id, spec.preprocessing)
    photos = _odd_photos(_demo_photos()[0], tmp_path)
    result = export_onnx(classifier, tmp_path / "lite0.onnx", check_photos=photos[:1])
    proc = subprocess.run(
        [sys.executable, str(result.example_path), str(result.model_path), *map(str, photos)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    predictor = Predictor(classifier, device="cpu", mixed_precision=False)
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == len(photos)
    for photo, line in zip(photos, lines, strict=True):
        path, label, probability = line.split("\t")
        ours = predictor.predict_image(photo, top_k=1)
        assert (path, label) == (str(photo), ours.label)
        assert abs(float(probability) - ours.probability) < 2e-4, photo.name  # printed to 4 decimals
    assert companion_paths(result.model_path) == (result.labels_path, result.readme_path, result.example_path)
    # A file that is no photo is named on stderr; the photos after it are still classified.
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, str(result.example_path), str(result.model_path), str(photos[0]), str(empty), str(photos[1])],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == [str(photos[0]), str(photos[1])]
    assert proc.stderr.startswith(f"{empty}: cannot classify")


def _run_example(export, photos: list[str], folder: Path, **env: str) -> subprocess.CompletedProcess:
    """The example script of ``export`` on ``photos`` (names relative to ``folder``); a run that
    hangs fails the test instead of the whole session."""
    try:
        return subprocess.run(
            [sys.executable, str(export.example_path), str(export.model_path), *photos],
            cwd=folder, capture_output=True, text=True, errors="surrogateescape", timeout=60,
            env={**os.environ, **env},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the example script hung on {photos}")


def test_the_example_script_prints_any_name_on_one_line_and_goes_on(tiny_export, tmp_path):
    # A name that was not UTF-8 stopped the whole run on a strict UTF-8 stdout (UnicodeEncodeError
    # outside the try), and a tab or newline in a name broke the tab-separated lines.
    photo = _demo_photos()[0].read_bytes()
    names = [os.fsdecode(b"bad\xff\xfe.jpg"), "empty.jpg", "tab\there.jpg", "new\nline.jpg", "\x1b[31mred.jpg",
             "plain é.jpg"]
    try:
        for name in names:
            (tmp_path / name).write_bytes(b"" if name == "empty.jpg" else photo)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    proc = _run_example(tiny_export, names, tmp_path, PYTHONIOENCODING="utf-8:strict")
    assert proc.returncode == 1, proc.stderr  # for empty.jpg alone
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    assert [row[0] for row in rows] == ["bad\\xff\\xfe.jpg", "tab\\x09here.jpg", "new\\x0aline.jpg",
                                        "\\x1b[31mred.jpg", "plain é.jpg"]
    assert all(len(row) == 3 and row[1] in CLASSES for row in rows)
    assert proc.stderr.startswith("empty.jpg: cannot classify")


def test_the_example_script_escapes_names_as_tlgui_does(tiny_export):
    import importlib.util

    from tlgui.cli.terminal import shown

    spec = importlib.util.spec_from_file_location("classify_example", tiny_export.example_path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    names = ["chien à poil 🐶.jpg", "a\tb\r\nc", os.fsdecode(b"x\xe9"), "\u202egpj.exe", "line\u2028break", "\x7f\x85"]
    assert [script.shown(name) for name in names] == [shown(name) for name in names]


@needs_fifo
@needs_dev_zero
def test_the_example_script_skips_what_is_not_a_file_instead_of_hanging(tiny_export, tmp_path):
    # A FIFO named like a photo hung the script forever in Image.open; tlgui itself refuses it.
    (tmp_path / "photo.jpg").write_bytes(_demo_photos()[0].read_bytes())
    make_fifo(tmp_path / "pipe.jpg")
    link_to_dev_zero(tmp_path / "zero.jpg")
    (tmp_path / "folder.jpg").mkdir()
    proc = _run_example(tiny_export, ["pipe.jpg", "zero.jpg", "folder.jpg", "photo.jpg"], tmp_path)
    assert proc.returncode == 1
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == ["photo.jpg"]
    assert proc.stderr.splitlines() == [
        "pipe.jpg: skipped: it is a pipe (FIFO), not a file",
        "zero.jpg: skipped: it is a device, not a file",
        "folder.jpg: skipped: it is a folder, not a file",
    ]


def _longest_name(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255


def test_a_model_name_too_long_for_the_files_beside_it_is_refused_before_any_work(tmp_path, monkeypatch):
    # A legal model name (249 bytes) failed after the conversion with "File name too long
    # (...-classify.py)", naming a file the user never chose.
    import tlgui.core.models.export as export_module

    monkeypatch.setattr(export_module, "_onnx_bytes", lambda *_: pytest.fail("converted before checking"))
    limit = _longest_name(tmp_path)
    stem = "n" * (limit - len("-classify.py") + 1)  # "-labels.txt" and "-README.txt" still fit
    with pytest.raises(ExportError) as caught:
        export_onnx(_tiny_classifier(), tmp_path / f"{stem}.onnx")
    message = str(caught.value)
    assert "the model's name is too long for the files written beside it" in message
    assert f"({stem}-classify.py)" in message and "-labels.txt" not in message and message.endswith(".")
    assert list(tmp_path.iterdir()) == []


def test_a_model_name_that_leaves_room_for_the_files_beside_it_passes_the_check(tmp_path, monkeypatch):
    import tlgui.core.models.export as export_module

    def converted(*_args):
        raise ExportError("reached the conversion")

    monkeypatch.setattr(export_module, "_onnx_bytes", converted)
    stem = "n" * (_longest_name(tmp_path) - len("-classify.py"))
    with pytest.raises(ExportError, match="reached the conversion"):
        export_onnx(_tiny_classifier(), tmp_path / f"{stem}.onnx")


@pytest.mark.parametrize("suffix", [".onnx", ".safetensors"])
def test_a_model_name_longer_than_the_file_system_allows_is_one_sentence(tmp_path, suffix):
    limit = _longest_name(tmp_path)
    target = tmp_path / ("n" * (limit + 1 - len(suffix)) + suffix)
    with pytest.raises(ExportError, match=f"its name is {limit + 1} bytes, longer than the {limit} the file system"):
        export_model(_tiny_classifier(), target)
    assert list(tmp_path.iterdir()) == []
