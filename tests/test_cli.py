"""The headless command line: train, predict, inspect, backbones, demo, and clean errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from photos import write_learnable_tree

from tlgui.cli.main import main


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    write_learnable_tree(root / "photos", {"red": 10, "blue": 10})
    out = root / "model.safetensors"
    assert main(["train", str(root / "photos"), "--epochs", "4", "--freeze", "head", "--out", str(out), "--quiet"]) == 0
    return root, out


def test_train_writes_a_model_and_reports(trained_model, capsys):
    root, out = trained_model
    assert out.is_file() and out.stat().st_size > 1_000_000


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


def test_bad_model_file_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x80\x04 definitely not a model")
    assert main(["predict", str(bad), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tlgui: error:") and "Traceback" not in err


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
