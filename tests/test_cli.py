"""The headless command line: train, predict, inspect, backbones, demo, and clean errors."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from photos import write_learnable_tree

from tlgui.cli.main import main
from tlgui.core.resources import demo_dir


def test_train_writes_a_model_and_reports(trained_model, capsys):
    root, out = trained_model
    assert out.is_file() and out.stat().st_size > 1_000_000


@pytest.mark.slow
def test_predict_csv_json_and_table(trained_model, capsys):
    root, out = trained_model
    photo = root / "photos" / "red" / "red_0.jpg"
    assert main(["predict", str(out), str(root / "photos"), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 20
    assert {"path", "label", "probability"} <= set(rows[0])
    assert sum(r["label"] == r["path"].split("/")[-2] for r in rows) >= 18

    assert main(["predict", str(out), str(photo), "--format", "json", "--top-k", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["label"] == "red" and len(data[0]["top"]) == 2

    assert main(["predict", str(out), str(photo)]) == 0
    assert "red" in capsys.readouterr().out


def test_inspect_shows_classes_backbone_and_metrics(trained_model, capsys):
    _, out = trained_model
    assert main(["inspect", str(out)]) == 0
    text = capsys.readouterr().out
    assert "red" in text and "blue" in text and "efficientnet_lite0" in text and "Accuracy" in text


def test_backbones_lists_the_catalogue(capsys):
    assert main(["backbones"]) == 0
    text = capsys.readouterr().out
    assert "efficientnet_lite0" in text and "bundled" in text and "resnet18" in text and "vit_b_16" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "/no/such/folder", "--out", "m.safetensors"], "No such file or folder"),
        (["inspect", "/no/such/model.safetensors"], "model"),
    ],
)
def test_user_mistakes_get_one_line_and_exit_1(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("tlgui: error:") and message.lower() in err.lower()
    assert "Traceback" not in err and err.count("\n") == 1


def test_one_class_only_is_refused(tmp_path, capsys):
    write_learnable_tree(tmp_path / "one", {"red": 4})
    assert main(["train", str(tmp_path / "one"), "--out", str(tmp_path / "m.safetensors"), "--quiet"]) == 1
    assert "at least two classes" in capsys.readouterr().err
    assert not (tmp_path / "m.safetensors").exists()


def test_a_folder_of_empty_folders_says_it_found_no_class(tmp_path, capsys):
    for name in ("cats", "dogs"):
        (tmp_path / "empty" / name).mkdir(parents=True)
    assert main(["train", str(tmp_path / "empty"), "--out", str(tmp_path / "m.safetensors")]) == 1
    err = capsys.readouterr().err
    assert "Classes: none\n" in err and "found 0" in err


def test_bad_model_file_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x80\x04 definitely not a model")
    assert main(["predict", str(bad), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tlgui: error:") and "Traceback" not in err


def test_a_cache_that_cannot_be_used_is_said_on_a_line_of_its_own_and_again_with_the_report(tmp_path, capsys):
    # The warning used to run on at the end of the progress bar's line, and the report never said it.
    import sqlite3

    from tlgui.core.training import feature_cache

    write_learnable_tree(tmp_path / "photos", {"red": 6, "blue": 6})
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    newer = sqlite3.connect(cache_dir / feature_cache._DB_NAME)  # a newer tlgui's cache: left alone
    newer.execute(f"PRAGMA application_id={feature_cache._APPLICATION_ID}")
    newer.execute("PRAGMA user_version=99")
    newer.close()
    argv = ["train", str(tmp_path / "photos"), "--epochs", "2", "--freeze", "head", "--cache-dir", str(cache_dir),
            "--out", str(tmp_path / "m.safetensors"), "--quiet"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    said = [line for line in err.splitlines() if "newer version" in line]
    assert len(said) == 1 and said[0].startswith("tlgui: warning: Running without the feature cache in ")
    assert [line for line in out.splitlines() if "newer version" in line] == [
        said[0].replace("tlgui: warning: ", "Warning: ")]


@pytest.mark.slow
def test_labelled_files_and_separate_validation_folder(tmp_path, capsys):
    write_learnable_tree(tmp_path / "train", {"red": 6, "blue": 6})
    write_learnable_tree(tmp_path / "val", {"red": 3, "blue": 3}, start=50)
    extra = tmp_path / "extra_red.jpg"
    (tmp_path / "train" / "red" / "red_0.jpg").rename(extra)
    out = tmp_path / "m.safetensors"
    argv = ["train", str(tmp_path / "train"), f"red={extra}", "--val", str(tmp_path / "val"),
            "--epochs", "2", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    info = json.loads(subprocess.run(
        [sys.executable, "-c", "import json,sys; from tlgui.core.models.modelfile import read_model_info; "
         "print(json.dumps(read_model_info(sys.argv[1])['metrics']))", str(out)],
        capture_output=True, text=True, check=True).stdout)
    assert info["val_images"] == 6 and info["train_images"] == 12


def test_module_entry_point_and_version():
    done = subprocess.run([sys.executable, "-m", "tlgui", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("tlgui ")


def test_demo_trains_on_the_bundled_photos(capsys, tmp_path):
    out = tmp_path / "demo.safetensors"
    assert main(["demo", "--epochs", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Validation accuracy" in text and out.exists()


def test_import_weights_checks_and_caches_a_file(tmp_path, monkeypatch, capsys):
    import torch

    from tlgui.core.backbones.catalogue import create_backbone, weights_status

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "torch" / "hub"))
    try:
        assert weights_status("mobilenet_v3_small") == "missing"
        bad = tmp_path / "bad.pth"
        bad.write_bytes(b"not weights")
        assert main(["import-weights", "mobilenet_v3_small", str(bad)]) == 1
        assert "tlgui: error:" in capsys.readouterr().err
        from torchvision.models import mobilenet_v3_small

        good = tmp_path / "good.pth"
        torch.save(mobilenet_v3_small().state_dict(), good)
        assert main(["import-weights", "mobilenet_v3_small", str(good)]) == 0
        assert weights_status("mobilenet_v3_small") == "cached"
        assert create_backbone("mobilenet_v3_small", allow_download=False).num_classes == 1000
    finally:
        torch.hub.set_dir(previous)


# ---- every option and path is checked before work starts ------------------------------------------
@pytest.fixture
def no_work(monkeypatch):
    """Any photo scanned, network trained or model loaded fails the test: the checks come first."""
    from tlgui.core.data import bins, demo
    from tlgui.core.models import modelfile
    from tlgui.core.training import trainer

    def work_started(*args, **kwargs):
        raise AssertionError("work started before the command line was checked")

    for module, name in ((bins.DataSet, "add_folder"), (bins.DataSet, "add_files"), (trainer, "train"),
                         (demo, "demo_dataset"), (modelfile, "load_classifier")):
        monkeypatch.setattr(module, name, work_started)


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("tlgui: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and captured.out == ""
    return err


@pytest.mark.parametrize(
    "options, message",
    [
        (["--epochs", "0"], "argument --epochs: The number of epochs must be a whole number from 1 to 10,000, not 0."),
        (["--epochs", "1e9"], "argument --epochs: '1e9' is not a whole number"),
        (["--epochs", "10001"], "--epochs"),
        (["--batch-size", "0"], "argument --batch-size: The batch size"),
        (["--val-fraction", "1.5"], "argument --val-fraction: The validation fraction must be a number above 0"),
        (["--views", "-1"], "argument --views: The number of cached augmented views"),
        (["--lr", "nan"], "argument --lr: The learning rate must be a number above 0 and at most 10, not nan."),
        (["--lr", "-1"], "argument --lr: The learning rate"),
        (["--lr", "inf"], "argument --lr"),
        (["--lr", "fast"], "'fast' is not a number"),
        (["--freeze", "-1"], "argument --freeze: The freeze level"),
        (["--freeze", "most"], "must be auto, head, full or a number of stages"),
        (["--device", "tpu"], "argument --device: The device must be auto, cpu, cuda, cuda:N or mps, not 'tpu'."),
        (["--seed", "-1"], "argument --seed"),
        (["--no-such-option"], "unrecognized arguments: --no-such-option"),
    ],
)
def test_unusable_training_options_exit_2_with_one_line(options, message, tmp_path, capsys, no_work):
    (tmp_path / "photos").mkdir()
    assert main(["train", str(tmp_path / "photos"), "--out", str(tmp_path / "m"), *options]) == 2
    assert message in _one_error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]


def test_an_unusable_model_path_is_found_before_any_work(tmp_path, capsys, no_work):
    photos = tmp_path / "photos"
    photos.mkdir()
    train = ["train", str(photos), "--out"]
    assert main([*train, str(tmp_path / "no" / "such" / "m")]) == 1
    assert "does not exist" in _one_error_line(capsys)
    assert main([*train, str(photos)]) == 1
    assert "is a folder" in _one_error_line(capsys)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        assert main([*train, str(tmp_path / "pipe")]) == 1
        assert "pipe" in _one_error_line(capsys)
    assert main(["demo", "--out", str(tmp_path / "no" / "demo")]) == 1
    assert "does not exist" in _one_error_line(capsys)


def test_every_data_path_is_checked_before_the_first_is_scanned(tmp_path, capsys, no_work):
    (tmp_path / "photos").mkdir()
    argv = ["train", str(tmp_path / "photos"), "--val", str(tmp_path / "missing"), "--out", str(tmp_path / "m")]
    assert main(argv) == 1
    assert "No such folder" in _one_error_line(capsys)
    assert main(["train", str(tmp_path / "photos"), " =" + str(tmp_path / "photos"), "--out", str(tmp_path / "m")]) == 1
    assert "class name cannot be empty" in _one_error_line(capsys)


@pytest.mark.parametrize(
    "argv, status, message",
    [
        (["predict", "{model}", "{dir}", "--top-k", "0"], 2, "argument --top-k"),
        (["predict", "{model}", "{dir}", "--batch-size", "0"], 2, "argument --batch-size: The batch size"),
        (["predict", "{model}", "{dir}", "--device", "gpu"], 2, "argument --device"),
        (["predict", "{model}", "{dir}", "--format", "xml"], 2, "invalid choice: 'xml'"),
        (["predict", "{dir}", "{dir}"], 1, "is a folder"),
        (["predict", "{model}", "{dir}/missing.jpg"], 1, "No such file or folder"),
        (["inspect", "{dir}"], 1, "is a folder"),
        (["import-weights", "no_such_net", "{model}"], 1, "no backbone called 'no_such_net'"),
        (["import-weights", "resnet18", "{dir}/missing.pth"], 1, "does not exist"),
        (["demo", "--epochs", "0"], 2, "argument --epochs"),
        (["cache", "info", "--cache-dir", "{model}"], 1, "is a file"),
        (["cache", "clear", "--cache-dir", "{model}/features"], 1, "is a file"),
        (["cache", "shrink"], 2, "invalid choice: 'shrink'"),
        (["no-such-command"], 2, "invalid choice: 'no-such-command'"),
    ],
)
def test_every_command_checks_its_arguments_first(argv, status, message, tmp_path, capsys, no_work):
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"stands in for a model: never read")
    argv = [a.format(model=model, dir=tmp_path) for a in argv]
    assert main(argv) == status
    assert message in _one_error_line(capsys)
    assert model.read_bytes() == b"stands in for a model: never read"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("command", [["inspect"], ["predict"], ["import-weights", "resnet18"]])
def test_a_pipe_given_as_a_file_is_refused_instead_of_read_for_ever(command, tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe")
    extra = [str(tmp_path)] if command == ["predict"] else []
    assert main([*command, str(tmp_path / "pipe"), *extra]) == 1
    assert "pipe (FIFO)" in _one_error_line(capsys)


def test_help_and_version_exit_0(capsys):
    assert main(["--version"]) == 0
    assert main(["train", "--help"]) == 0
    assert "--epochs" in capsys.readouterr().out


# ---- one home for the training defaults ---------------------------------------------------------------
def test_training_defaults_are_trainconfigs_and_options_set_its_fields(capsys):
    from tlgui.cli.main import build_parser
    from tlgui.cli.options import config_from_args
    from tlgui.core.training.config import MAX_FREEZE_LEVEL, TrainConfig

    parser = build_parser()
    assert config_from_args(parser.parse_args(["train", "photos", "--out", "m"])) == TrainConfig()
    args = parser.parse_args(["train", "photos", "--out", "m", "--epochs", "7", "--batch-size", "8", "--lr", "0.01",
                              "--val-fraction", "0.3", "--no-augment", "--views", "2", "--no-cache",
                              "--device", "CPU", "--seed", "5", "--freeze", "full"])
    assert config_from_args(args) == TrainConfig(
        epochs=7, batch_size=8, learning_rate=0.01, val_fraction=0.3, augment=False, cached_views=2,
        use_cache=False, device="cpu", seed=5, freeze_level=MAX_FREEZE_LEVEL)
    assert config_from_args(parser.parse_args(["demo"])) == TrainConfig()
    defaults = TrainConfig()
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"(default: {defaults.epochs})" in text and f"(default: {defaults.val_fraction})" in text


# ---- names from files are shown, never obeyed, by the terminal -------------------------------------------
def test_control_characters_become_visible_escapes():
    from tlgui.cli.terminal import shown

    assert shown("cats/ginger.jpg") == "cats/ginger.jpg"
    assert shown("café 🐈 日本") == "café 🐈 日本"
    assert shown("evil\x1b[2J") == "evil\\x1b[2J"
    assert shown("line\r\noverwritten") == "line\\x0d\\x0aoverwritten"
    assert shown("csi\x9b1m") == "csi\\x9b1m"
    assert shown("gpj.\u202eexe") == "gpj.\\u202eexe"
    assert shown(os.fsdecode(b"caf\xe9.jpg")) == "caf\\xe9.jpg"  # not UTF-8 on disk


@pytest.fixture(scope="module")
def evil_model(trained_model):
    """The trained model with escape sequences in its class names, crafted (tlgui never writes one)."""
    from modelfile_bytes import meta_of, with_meta

    root, out = trained_model
    data = out.read_bytes()
    evil_names = {"red": "red\x1b[2J", "blue": "blue\x1b]0;owned\x07"}
    names = [evil_names[name] for name in meta_of(data)["class_names"]]
    evil = root / "evil.safetensors"
    evil.write_bytes(with_meta(data, class_names=names, metrics=None))
    return root, evil


def test_a_model_whose_class_names_hold_escape_sequences_is_refused_in_one_line(evil_model, capsys):
    # Its names never reach the terminal: the file is refused before it is trusted, in a sentence
    # that names the character, not the name.
    root, evil = evil_model
    for command in (["inspect", str(evil)], ["predict", str(evil), str(root / "photos" / "red" / "red_0.jpg")]):
        assert main(command) == 1
        err = _one_error_line(capsys)
        assert "\x1b" not in err and "\x07" not in err
        assert "class name 1 holds a line break or another control character (U+001B)" in err


def test_paths_in_messages_are_escaped(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "gone\x1b[2J.safetensors")]) == 1
    err = _one_error_line(capsys)
    assert "\x1b" not in err and "gone\\x1b[2J" in err


def test_a_skipped_photo_with_an_escape_in_its_name_is_listed_escaped(tmp_path, capsys):
    from tlgui.cli.commands import _print_data_summary
    from tlgui.core.data.bins import DataSet

    write_learnable_tree(tmp_path / "photos", {"red": 2, "blue": 2})
    (tmp_path / "photos" / "red" / "broken\x1b]0;owned\x07.jpg").write_bytes(b"not a photo")
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    _print_data_summary(dataset, quiet=False)
    err = capsys.readouterr().err
    assert "broken\\x1b]0;owned\\x07.jpg" in err and "\x1b" not in err and "\x07" not in err


# ---- Ctrl-C ends any command promptly with 130 ---------------------------------------------------------
def test_an_interrupted_command_exits_130_and_restores_the_handler(monkeypatch, capsys):
    from tlgui.cli import commands

    def interrupted(args):
        raise KeyboardInterrupt

    before = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(commands, "cmd_backbones", interrupted)
    assert main(["backbones"]) == 130
    assert capsys.readouterr().err == "tlgui: interrupted\n"
    assert signal.getsignal(signal.SIGINT) is before


def _interrupted_after(batches: int, interrupt: KeyboardInterrupt):
    """Predictor.predict_batches that hands out ``batches`` real batches, then is interrupted."""
    from tlgui.core.predict.predictor import Predictor

    real = Predictor.predict_batches

    def predict_batches(self, *args, **kwargs):
        stream = real(self, *args, **kwargs)
        for _ in range(batches):
            yield next(stream)
        stream.close()
        raise interrupt

    return predict_batches


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_an_interrupted_predict_keeps_every_photo_already_predicted(trained_model, fmt, monkeypatch, capsys):
    # It printed nothing: 3,200 photos predicted in 40 s, then `timeout` ended it and all were lost.
    from tlgui.cli.interrupt import Terminated
    from tlgui.core.predict.predictor import Predictor

    root, model = trained_model
    argv = ["predict", str(model), str(root / "photos"), "--format", fmt, "--batch-size", "4"]
    assert main(argv) == 0
    whole = capsys.readouterr().out
    monkeypatch.setattr(Predictor, "predict_batches", _interrupted_after(2, KeyboardInterrupt()))
    assert main(argv) == 130
    captured = capsys.readouterr()
    assert captured.err.endswith("tlgui: interrupted\n")
    if fmt == "json":  # still one document: the array closed after the photos done
        assert json.loads(captured.out) == json.loads(whole)[:8]
    elif fmt == "csv":  # the header, then whole rows, in the photos' order
        assert captured.out.splitlines() == whole.splitlines()[:9]
    else:
        assert captured.out.splitlines() == whole.splitlines()[:8]
    monkeypatch.setattr(Predictor, "predict_batches", _interrupted_after(0, Terminated()))
    assert main(argv) == 143
    expected = {"json": "[]\n", "csv": whole.splitlines(keepends=True)[0], "table": ""}[fmt]
    assert capsys.readouterr().out == expected


def test_a_disk_error_while_saving_is_one_line(monkeypatch, capsys):
    from tlgui.cli import commands

    def disk_full(args):
        raise OSError(28, "No space left on device", "/data/cats.safetensors")

    monkeypatch.setattr(commands, "cmd_backbones", disk_full)
    assert main(["backbones"]) == 1
    assert "No space left on device (/data/cats.safetensors)." in _one_error_line(capsys)


_STUCK_COMMAND = """
import sys, time
from tlgui.cli.interrupt import prompt_interrupts
with prompt_interrupts(grace_seconds=float(sys.argv[1])):
    said_ready = False
    while True:
        try:
            if not said_ready:
                print("ready", flush=True)
                said_ready = True
            time.sleep(60)
        except KeyboardInterrupt:
            pass  # cleanup that never finishes
"""
REPO_ROOT = Path(__file__).resolve().parents[1]


def _interrupt(process, times: int) -> float:
    """Send Ctrl-C ``times`` times; seconds until the process ended."""
    start = time.monotonic()
    for _ in range(times):
        process.send_signal(signal.SIGINT)
        time.sleep(0.2)
    process.wait(timeout=30)
    return time.monotonic() - start


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_a_command_stuck_after_ctrl_c_still_ends_with_130():
    stuck = subprocess.Popen([sys.executable, "-c", _STUCK_COMMAND, "0.5"], stdout=subprocess.PIPE, text=True,
                             cwd=REPO_ROOT)
    assert stuck.stdout.readline() == "ready\n"
    assert _interrupt(stuck, 1) < 5 and stuck.returncode == 130
    # A second Ctrl-C does not wait for the grace time at all.
    stuck = subprocess.Popen([sys.executable, "-c", _STUCK_COMMAND, "120"], stdout=subprocess.PIPE, text=True,
                             cwd=REPO_ROOT)
    assert stuck.stdout.readline() == "ready\n"
    assert _interrupt(stuck, 2) < 5 and stuck.returncode == 130


def _train_until(tmp_path, per_class: int, *markers: str) -> tuple[subprocess.Popen, Path, str]:
    """A ``tlgui train`` (head, then a full fine-tune of 10,000 epochs) read until each of ``markers``
    has appeared on its stderr, in turn: (the process, its --out, what it said so far)."""
    write_learnable_tree(tmp_path / "photos", {"red": per_class, "blue": per_class})
    out = tmp_path / "out" / "m.safetensors"
    out.parent.mkdir()
    run = subprocess.Popen(
        [sys.executable, "-m", "tlgui", "train", str(tmp_path / "photos"), "--out", str(out), "--freeze", "full",
         "--no-cache", "--epochs", "10000"],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    seen = ""
    for marker in markers:
        start = len(seen)
        while marker not in seen[start:]:  # tqdm redraws with \r: read characters, not lines
            chunk = run.stderr.read(1)
            assert chunk, f"training ended before it was interrupted: {seen[-500:]}"
            seen += chunk
    return run, out, seen


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
@pytest.mark.parametrize("sent, status, said", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_or_sigterm_before_the_first_epoch_ends_training_and_writes_nothing(tmp_path, sent, status, said):
    run, out, _seen = _train_until(tmp_path, 40, "Extracting features")
    start = time.monotonic()
    run.send_signal(sent)  # SIGTERM (kill, timeout, a service stopping) stops as Ctrl-C does
    run.wait(timeout=60)
    assert time.monotonic() - start < 10
    assert run.returncode == status
    assert f"tlgui: {said}" in run.stderr.read()
    assert list(out.parent.iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
@pytest.mark.parametrize("sent, status, said", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_or_sigterm_during_the_fine_tune_keeps_the_best_model_so_far(tmp_path, sent, status, said):
    """The window's Stop: the head phase had finished, so its model (or a better one) is saved."""
    from tlgui.core.models.modelfile import load_classifier

    # The head's last evaluation, then the fine-tune's first steps.
    run, out, _seen = _train_until(tmp_path, 6, "Evaluating", "Training")
    start = time.monotonic()
    run.send_signal(sent)
    run.wait(timeout=60)
    assert time.monotonic() - start < 30
    said_all = run.stderr.read()
    assert run.returncode == status
    assert f"tlgui: {said} (the best model so far was kept)" in said_all
    assert "stopping" in said_all and f"Saved {out}" in run.stdout.read()
    assert load_classifier(out).class_names == ["blue", "red"]
    assert list(out.parent.iterdir()) == [out]


def test_a_model_that_cannot_be_saved_at_the_end_is_rescued_and_said_so(tmp_path, capsys, monkeypatch):
    import errno

    from tlgui.core.models import rescue

    real_save = rescue.save_classifier
    out = tmp_path / "usb" / "model.safetensors"

    def disk_filled_while_training(classifier, path):
        if path == out:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(classifier, path)

    monkeypatch.setattr(rescue, "save_classifier", disk_filled_while_training)
    monkeypatch.setenv("TLGUI_CACHE_DIR", str(tmp_path / "cache" / "features"))
    write_learnable_tree(tmp_path / "photos", {"red": 6, "blue": 6})
    (tmp_path / "usb").mkdir()
    assert main(["train", str(tmp_path / "photos"), "--epochs", "2", "--freeze", "head", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "Validation accuracy" in captured.out  # the report comes before the save
    (line,) = captured.err.strip().splitlines()[-1:]
    rescued = next(rescue.rescue_folders()[0].glob("model-*.safetensors"))
    assert line == (f"tlgui: error: the model could not be saved to {out} (No space left on device). "
                    f"It was saved to {rescued} instead: move it where you want it.")
    assert not out.exists()


def test_identical_copies_left_out_of_a_class_are_counted(tmp_path, capsys):
    import shutil

    from tlgui.cli.commands import _print_data_summary, data_sources, load_training_data

    write_learnable_tree(tmp_path / "photos", {"red": 3, "blue": 3})
    first = sorted((tmp_path / "photos" / "red").iterdir())[0]
    shutil.copy(first, first.with_name("copy 1" + first.suffix))
    shutil.copy(first, first.with_name("copy 2" + first.suffix))
    dataset, copies = load_training_data(data_sources([str(tmp_path / "photos")], []))
    assert copies == 2 and dataset.class_counts() == {"blue": 3, "red": 3}
    _print_data_summary(dataset, False, copies)
    assert "2 identical copies of photos already in their class left out" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_during_the_demo_is_stop_and_keeps_its_model(tmp_path, monkeypatch, capsys):
    # It ended the command with no model, where `train` keeps the best so far.
    from tlgui.core.training import trainer
    from tlgui.core.training.callbacks import TrainingCallback

    real_train = trainer.train

    class CtrlCAfterTheFirstEpoch(TrainingCallback):
        def on_epoch_end(self, stats):
            if stats.epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    def train_interrupted(dataset, config, *, callbacks=(), **options):
        return real_train(dataset, config, callbacks=[*callbacks, CtrlCAfterTheFirstEpoch()], **options)

    monkeypatch.setattr(trainer, "train", train_interrupted)
    out = tmp_path / "demo.safetensors"
    assert main(["demo", "--epochs", "20", "--out", str(out)]) == 130
    captured = capsys.readouterr()
    assert out.is_file() and "(the best model so far was kept)" in captured.err
    assert "Validation accuracy" in captured.out


def test_train_to_an_onnx_file_says_how_to_make_one(tmp_path, capsys):
    (tmp_path / "photos").mkdir()
    assert main(["train", str(tmp_path / "photos"), "--out", str(tmp_path / "m.onnx")]) == 2
    assert "tlgui export MODEL.safetensors --out MODEL.onnx" in _one_error_line(capsys)
    assert not list(tmp_path.glob("m.onnx*"))


def _crafted_model(source: Path, target: Path, monkeypatch, **metadata_changes) -> Path:
    """``source``'s model written again with parts of its metadata replaced (signed as tlgui signs)."""
    from tlgui.core.models import modelfile

    classifier = modelfile.load_classifier(source)
    real = modelfile._metadata
    monkeypatch.setattr(modelfile, "_metadata", lambda c: {**real(c), **metadata_changes})
    target.write_bytes(modelfile.classifier_to_bytes(classifier))
    monkeypatch.setattr(modelfile, "_metadata", real)
    return target


def test_inspect_refuses_what_predict_refuses(trained_model, tmp_path, monkeypatch, capsys):
    # It described a model whose backbone this tlgui does not know, and exited 0; predict refused it.
    _, out = trained_model
    crafted = _crafted_model(out, tmp_path / "other.safetensors", monkeypatch, backbone_id="no_such_net")
    assert main(["predict", str(crafted), str(demo_dir() / "val" / "ants")]) == 1
    predict_error = _one_error_line(capsys)
    assert main(["inspect", str(crafted)]) == 1
    captured = capsys.readouterr()
    assert "Backbone:    no_such_net" in captured.out and "Checked:" not in captured.out
    assert captured.err.strip() == predict_error.strip()
    assert main(["inspect", str(out)]) == 0
    assert "Checked:     its weights load as predict loads them" in capsys.readouterr().out


def test_inspect_does_not_show_an_accuracy_measured_on_no_photos(trained_model, tmp_path, monkeypatch, capsys):
    from tlgui.core.models import modelfile

    _, out = trained_model
    metrics = {**modelfile.read_model_info(out)["metrics"], "val_images": 0}
    crafted = _crafted_model(out, tmp_path / "none.safetensors", monkeypatch, metrics=metrics)
    assert main(["inspect", str(crafted)]) == 0
    text = capsys.readouterr().out
    assert "Accuracy:    not measured (the file says it had no validation photos)" in text


def test_inspect_says_n_a_for_a_class_never_validated(trained_model, tmp_path, monkeypatch, capsys):
    # Its precision and recall were shown as 0.00%, and then (None) ended inspect in a TypeError.
    from tlgui.core.models import modelfile

    _, out = trained_model
    metrics = modelfile.read_model_info(out)["metrics"]
    names = list(metrics["precision"])
    metrics = {**metrics, "confusion": [[3, 0], [0, 0]], "precision": {names[0]: 1.0, names[1]: 0.0},
               "recall": {names[0]: 1.0, names[1]: 0.0}, "accuracy": 1.0, "val_images": 3}
    crafted = _crafted_model(out, tmp_path / "one-class-validated.safetensors", monkeypatch, metrics=metrics)
    assert main(["inspect", str(crafted)]) == 0
    text = capsys.readouterr().out
    assert f"  {names[1]}: precision n/a, recall n/a" in text and f"  {names[0]}: precision 100.00%" in text
