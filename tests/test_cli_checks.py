"""The command line's checks of DATA, --val and --backbone, its JSON on any file name, and its
progress bars: one bar per task, cleared before an error's one line."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys

import pytest
from photos import write_learnable_tree
from PIL import Image

from tlgui.cli.main import main
from tlgui.core.errors import DataError
from tlgui.core.progress import Phase, ProgressEvent


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    # What a terminal shows of stderr: a bar cleared with "\r" leaves only what follows it.
    shown_lines = [line.rsplit("\r", 1)[-1] for line in captured.err.splitlines()]
    errors = [line for line in shown_lines if "tlgui: error:" in line]
    assert len(errors) == 1 and errors[0].startswith("tlgui: error: "), captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return errors[0]


@pytest.fixture
def no_training(monkeypatch):
    from tlgui.core.training import trainer

    monkeypatch.setattr(trainer, "train", lambda *a, **k: pytest.fail("training started"))


# ---- --val -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", ["nothing", "no photos"])
def test_a_val_folder_without_photos_is_refused_not_ignored(tmp_path, capsys, no_training, content):
    # It used to be ignored: a random split was made in its place, and the run ended with 0.
    write_learnable_tree(tmp_path / "photos", {"red": 3, "blue": 3})
    val = tmp_path / "val"
    (val / "red").mkdir(parents=True)
    if content == "no photos":
        (val / "red" / "notes.txt").write_text("not a photo")
        (val / "red" / "broken.jpg").write_bytes(b"not a photo either")
    code = main(["train", str(tmp_path / "photos"), "--val", str(val), "--out", str(tmp_path / "m")])
    assert code == 1
    assert f"The --val folder {val} holds no photos to validate on." in _one_error_line(capsys)
    assert not (tmp_path / "m.safetensors").exists()


def test_a_val_folder_of_the_training_photos_says_so(tmp_path, capsys, no_training):
    # It said the folder held no photos to validate on: its photos had been dropped as copies.
    write_learnable_tree(tmp_path / "photos", {"red": 3, "blue": 3})
    code = main(["train", str(tmp_path / "photos"), "--val", str(tmp_path / "photos"), "--out", str(tmp_path / "m")])
    assert code == 1
    assert (f"The --val folder {tmp_path / 'photos'} holds only copies of photos already given to train on"
            in _one_error_line(capsys))


@pytest.mark.parametrize(("layout", "message"), [
    ({"photos": {"red": 4}}, "Training needs at least two classes; found 1 (red)."),
    ({"photos": {"red": 4, "blue": 4}, "val": {"green": 2}}, "These classes have no training photos: green."),
])
def test_a_plan_for_photos_that_cannot_train_is_trains_own_refusal(tmp_path, capsys, layout, message):
    # It printed "Trains: Head only ..., the recommendation", a reason and times, and exited 0.
    for folder, classes in layout.items():
        write_learnable_tree(tmp_path / folder, classes)
    argv = ["train", str(tmp_path / "photos"), "--plan"]
    if "val" in layout:
        argv += ["--val", str(tmp_path / "val")]
    assert main(argv) == 1
    assert message in _one_error_line(capsys)


def test_a_val_file_is_said_to_be_a_file(tmp_path, capsys, no_training):
    (tmp_path / "photos").mkdir()
    (tmp_path / "val.jpg").write_bytes(b"a file, not a folder")
    code = main(["train", str(tmp_path / "photos"), "--val", str(tmp_path / "val.jpg"), "--out", str(tmp_path / "m")])
    assert code == 2
    assert f"argument --val: {tmp_path / 'val.jpg'} is a file, not a folder of validation photos." in (
        _one_error_line(capsys))


def test_an_unknown_backbone_is_a_mistaken_option(tmp_path, capsys, no_training):
    (tmp_path / "photos").mkdir()
    assert main(["train", str(tmp_path / "photos"), "--backbone", "nosuch", "--out", str(tmp_path / "m")]) == 2
    assert "argument --backbone: There is no backbone called 'nosuch'" in _one_error_line(capsys)


# ---- LABEL=PATH --------------------------------------------------------------------------------------
def test_a_label_longer_than_a_file_name_still_names_a_class(tmp_path, capsys, no_training):
    from tlgui.cli.commands import data_sources

    write_learnable_tree(tmp_path / "photos", {"red": 1})
    folder = tmp_path / "photos" / "red"
    # "LLL...=folder" is longer than a file name may be: Path.exists() raised ENAMETOOLONG.
    assert data_sources(["L" * 250 + f"={folder}"], []) == [("L" * 250, folder, None)]
    assert main(["train", "L" * 300 + f"={folder}", f"blue={folder}", "--out", str(tmp_path / "m")]) == 1
    assert "A class name can have at most 255 characters; this one has 300." in _one_error_line(capsys)


# ---- progress bars -----------------------------------------------------------------------------------
def _bars(err: str) -> list[str]:
    """Every state of a bar drawn, in order."""
    return [part.strip() for part in err.replace("\n", "\r").split("\r") if part.strip()]


def test_a_new_task_in_the_same_phase_gets_a_bar_of_its_own(capsys):
    from tlgui.cli.terminal import TerminalProgress

    progress = TerminalProgress()
    for done in (0, 15):  # the photos checked, reported under Phase.EXTRACT
        progress.on_progress(ProgressEvent(Phase.EXTRACT, done, 15, message="Checking photos"))
    checking = progress._bar
    progress.on_progress(ProgressEvent(Phase.EXTRACT, 0, 15, message="Extracting features"))
    assert progress._bar is not checking  # the count starts again: another task
    progress.on_progress(ProgressEvent(Phase.EXTRACT, 3, 15, message="Extracting features"))
    extracting = progress._bar
    progress.on_progress(ProgressEvent(Phase.EXTRACT, 0, 40, message="Extracting features"))
    assert progress._bar is not extracting  # another total: another task
    progress.on_progress(ProgressEvent(Phase.EXTRACT, 30, 40, message="Extracting features"))
    progress.close()
    bars = _bars(capsys.readouterr().err)
    assert any(bar.startswith("Checking photos: 100%") and "15/15" in bar for bar in bars), bars
    assert any(bar.startswith("Extracting features:  20%") and "3/15" in bar for bar in bars), bars
    assert any(bar.startswith("Extracting features:  75%") and "30/40" in bar for bar in bars), bars
    assert not any(bar.startswith("Extracting features: 100%") and "15/15" in bar for bar in bars), bars


def test_a_new_text_whose_count_goes_on_renames_the_bar(capsys):
    from tlgui.cli.terminal import TerminalProgress

    progress = TerminalProgress()
    progress.on_progress(ProgressEvent(Phase.TRAIN, 5, 20, message="Training epoch 1/2"))
    bar = progress._bar
    progress.on_progress(ProgressEvent(Phase.TRAIN, 15, 20, message="Training epoch 2/2"))
    assert progress._bar is bar  # one bar for the run: its rate and time left go on
    progress.close()
    assert any(b.startswith("Training epoch 2/2:  75%") for b in _bars(capsys.readouterr().err))


def test_an_error_after_a_bar_is_on_a_line_of_its_own(tmp_path, capsys, monkeypatch):
    # It used to run on at the end of the bar: "...24/24 [00:00<00:00, 2601.25img/s]tlgui: error: ...".
    from tlgui.core.training import trainer

    def failing_train(dataset, config, *, callbacks, **kwargs):
        for done in (0, 12):
            callbacks[0].on_progress(ProgressEvent(Phase.EXTRACT, done, 12, message="Extracting features"))
        raise DataError("No readable training photos left.")

    monkeypatch.setattr(trainer, "train", failing_train)
    write_learnable_tree(tmp_path / "photos", {"red": 6, "blue": 6})
    assert main(["train", str(tmp_path / "photos"), "--out", str(tmp_path / "m")]) == 1
    assert _one_error_line(capsys) == "tlgui: error: No readable training photos left."


# ---- predict: JSON and damaged EXIF ------------------------------------------------------------------
def corrupt_exif_jpeg(path) -> None:
    """A JPEG whose EXIF IFD declares 65,535 entries and holds none: Pillow warns while reading it."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    exif = b"Exif\0\0MM\0*" + struct.pack(">IH", 8, 0xFFFF) + bytes(24)
    path.write_bytes(jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + jpeg[2:])


@pytest.fixture
def small_model(trained_model):
    return trained_model[1]


def _predict(model, photos, *options) -> subprocess.CompletedProcess:
    # A process of its own: its stdout a pipe, its warnings shown as a fresh interpreter shows them.
    return subprocess.run([sys.executable, "-m", "tlgui", "predict", str(model), str(photos), *options],
                          capture_output=True, timeout=300)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs file names that are not UTF-8")
def test_predict_json_is_utf8_whatever_the_file_names(small_model, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    name = os.fsdecode(b"caf\xe9.jpg")  # not UTF-8 on disk
    Image.new("RGB", (64, 48), (40, 60, 200)).save(photos / name, "JPEG")
    done = _predict(small_model, photos, "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout.decode("utf-8"))  # strict: a raw byte 0xE9 used to be written
    assert len(rows) == 1 and rows[0]["error"] is None and b"\\udce9" in done.stdout
    assert os.fsencode(rows[0]["path"]) == os.fsencode(photos / name)  # the very file, byte for byte


def test_damaged_exif_says_nothing_during_predict(small_model, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    corrupt_exif_jpeg(photos / "exif.jpg")
    done = _predict(small_model, photos)
    assert done.returncode == 0, done.stderr
    assert b"exif.jpg" in done.stdout and b"skipped" not in done.stdout
    # Pillow's "UserWarning: Corrupt EXIF data..." used to land in the progress bar's line.
    assert b"Warning" not in done.stderr and b"warnings.warn" not in done.stderr, done.stderr


def test_cache_info_of_a_folder_that_is_not_there_makes_nothing(tmp_path, capsys):
    """It made the folder and an empty database (with -wal and -shm files) to describe it."""
    missing = tmp_path / "no-cache-here"
    assert main(["cache", "info", "--cache-dir", str(missing)]) == 0
    assert capsys.readouterr().out.strip() == f"{missing}: no feature cache yet (0 entries)"
    assert main(["cache", "clear", "--cache-dir", str(missing)]) == 0
    assert "nothing to clear" in capsys.readouterr().out
    assert not missing.exists()


@pytest.mark.parametrize("command", [["cache", "info"], ["train", "photos", "--out", "m.safetensors"]])
def test_an_empty_cache_dir_is_a_mistaken_option_not_the_current_folder(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--cache-dir", ""]) == 2
    assert "argument --cache-dir: no folder was named" in _one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_weights_that_cannot_be_downloaded_fail_before_the_photos_are_read(tmp_path, monkeypatch, capsys,
                                                                          no_training):
    # The photos were read first (minutes for a large folder), then the download failed.
    import urllib.error

    import torch

    from tlgui.core.backbones import weights
    from tlgui.core.data.bins import DataSet

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "torch" / "hub"))

    def offline(*_args, **_kwargs):
        raise urllib.error.URLError(OSError(101, "Network is unreachable"))

    monkeypatch.setattr(weights, "urlopen", offline)
    monkeypatch.setattr(DataSet, "add_folder", lambda *a, **k: pytest.fail("the photos were read first"))
    (tmp_path / "photos").mkdir()
    code = main(["train", str(tmp_path / "photos"), "--backbone", "resnet18", "--out", str(tmp_path / "m")])
    assert code == 1
    assert "ResNet-18" in _one_error_line(capsys)


def test_views_without_augmentation_is_a_mistaken_option(tmp_path, capsys, no_training):
    # The views were silently not made: augmentation off means none.
    write_learnable_tree(tmp_path / "photos", {"red": 3, "blue": 3})
    code = main(["train", str(tmp_path / "photos"), "--no-augment", "--views", "3", "--out", str(tmp_path / "m")])
    assert code == 2
    assert "argument --views: augmented views need augmentation" in _one_error_line(capsys)
