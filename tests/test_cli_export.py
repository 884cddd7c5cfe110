"""`tlgui export`: from a model file or a project, as ONNX (verified) or tlgui's own format."""

from __future__ import annotations

import json
import os
import zipfile

import onnx
import pytest

from tlgui.cli.main import main
from tlgui.core.backbones import get_spec
from tlgui.core.models.classifier import Classifier
from tlgui.core.models.modelfile import save_classifier
from tlgui.core.resources import demo_dir


@pytest.fixture(scope="module")
def imagenet_model_file(tmp_path_factory, bundled_network):
    spec = get_spec("efficientnet_lite0")
    path = tmp_path_factory.mktemp("model") / "lite0.safetensors"
    save_classifier(Classifier(bundled_network, [f"c{i}" for i in range(1000)], spec.id, spec.preprocessing), path)
    return path


@pytest.mark.slow
def test_export_onnx_from_a_model_file_reports_its_check(imagenet_model_file, tmp_path, capsys):
    out = tmp_path / "exported"
    code = main(["export", str(imagenet_model_file), "--format", "onnx", "--out", str(out),
                 "--check", str(demo_dir() / "val" / "ants")])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "top-1 agreement 100.0%" in printed and " photos, largest probability difference" in printed
    model = onnx.load(str(tmp_path / "exported.onnx"))
    assert len(json.loads({p.key: p.value for p in model.metadata_props}["class_names"])) == 1000


def test_a_project_without_a_model_is_one_line(tmp_path, capsys):
    project = tmp_path / "empty.tlgui"
    with zipfile.ZipFile(project, "w") as archive:
        archive.writestr("project.json", json.dumps({
            "format": "tlgui-project", "format_version": 1, "backbone_id": "efficientnet_lite0",
            "dataset": {"classes": []}, "config": {},
        }))
    code = main(["export", str(project), "--out", str(tmp_path / "m.onnx")])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "tlgui: error:" in err
    assert not (tmp_path / "m.onnx").exists()


def test_export_over_a_folder_writes_nothing(imagenet_model_file, tmp_path, capsys):
    (tmp_path / "m.safetensors").mkdir()
    code = main(["export", str(imagenet_model_file), "--out", str(tmp_path / "m.safetensors")])
    err = capsys.readouterr().err
    assert code == 1 and "is a folder; give the model file a name inside it" in err


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.err.startswith("tlgui: error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return captured.err


@pytest.mark.parametrize(("out", "status", "message"), [
    ("", 2, "argument --out: No usable name was given for the model file."),
    (" ", 2, "argument --out: No usable name was given for the model file."),
    (".", 1, ". is a folder; give the model file a name inside it, such as model.safetensors."),
    ("/", 1, "/ is a folder; give the model file a name inside it, such as /model.safetensors."),
    ("/dev/null", 1, "The model file /dev/null cannot be written: it is a device"),
])
def test_an_output_path_without_a_file_name_is_one_line(imagenet_model_file, tmp_path, monkeypatch, capsys,
                                                         out, status, message):
    # It used to end in a traceback (ValueError: PosixPath('.') has an empty name), or write
    # /dev/null.safetensors.
    monkeypatch.chdir(tmp_path)
    beside_null = _state("/dev/null.safetensors")
    assert main(["export", str(imagenet_model_file), "--format", "safetensors", "--out", out]) == status
    assert message in _one_line(capsys)
    assert list(tmp_path.iterdir()) == [] and _state("/dev/null.safetensors") == beside_null


def _state(path: str):
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_size


def test_train_and_export_say_the_same_of_an_empty_output_name(tmp_path, capsys):
    (tmp_path / "photos").mkdir()
    # argparse's type=Path made "" the current folder: ". is a folder; give the model file a name".
    assert main(["train", str(tmp_path / "photos"), "--out", ""]) == 2
    assert "argument --out: No usable name was given for the model file." in _one_line(capsys)
    assert main(["demo", "--out", ""]) == 2
    assert "argument --out: No usable name was given for the model file." in _one_line(capsys)


def test_exporting_onto_the_model_exported_is_refused(imagenet_model_file, tmp_path, capsys):
    before = imagenet_model_file.read_bytes()
    link = tmp_path / "same.safetensors"
    link.symlink_to(imagenet_model_file)
    for out in (imagenet_model_file, link, imagenet_model_file.with_suffix("")):  # the suffix is added
        assert main(["export", str(imagenet_model_file), "--out", str(out)]) == 2
        assert "is the file being exported; write the export to another file." in _one_line(capsys)
    assert imagenet_model_file.read_bytes() == before


def test_export_still_makes_the_folders_it_needs(imagenet_model_file, tmp_path, capsys):
    # Export's own rule (export._check_target), unlike train's --out: missing folders are made.
    assert main(["export", str(imagenet_model_file), "--out", str(tmp_path / "new" / "sub" / "m")]) == 0
    assert (tmp_path / "new" / "sub" / "m.safetensors").is_file()
    capsys.readouterr()


def test_run_given_for_a_model_file_is_a_mistaken_option_found_before_loading(tmp_path, capsys, monkeypatch):
    from tlgui.core.models import modelfile

    monkeypatch.setattr(modelfile, "load_classifier", lambda *a, **k: pytest.fail("the model was loaded"))
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"stands in for a model: never read")
    assert main(["export", str(model), "--run", "1", "--out", str(tmp_path / "x")]) == 2
    assert "--run names a run of a project; a model file has no runs." in _one_line(capsys)


@pytest.mark.parametrize(("check", "fmt", "status", "message"), [
    # A typo in --check used to be checked on 16 random inputs, "no photos at hand", exit 0.
    ("missing-folder", "onnx", 1, "No such file or folder: missing-folder (--check)"),
    ("empty", "onnx", 1, "No photos in empty (--check)"),
    # A tlgui model file is not converted, so --check had been silently ignored.
    (str(demo_dir() / "val" / "ants"), "safetensors", 2, "--check verifies an ONNX export"),
])
def test_a_check_that_cannot_be_made_is_refused_before_any_work(imagenet_model_file, tmp_path, monkeypatch, capsys,
                                                                 check, fmt, status, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no photo here")
    out = tmp_path / f"m.{'onnx' if fmt == 'onnx' else 'safetensors'}"
    assert main(["export", str(imagenet_model_file), "--format", fmt, "--out", str(out), "--check", check]) == status
    assert message in _one_line(capsys)
    assert not out.exists()
