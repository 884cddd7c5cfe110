"""`tlgui export`: from a model file or a project, as ONNX (verified) or tlgui's own format."""

from __future__ import annotations

import json
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
    assert code == 1 and "not a regular file" in err
