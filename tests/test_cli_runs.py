"""`tlgui inspect PROJECT` lists its runs; `tlgui export PROJECT --run ID` exports one run's model."""

from __future__ import annotations

from dataclasses import replace

import pytest
from photos import write_learnable_tree

from tlgui.cli.main import main
from tlgui.core.data.bins import DataSet
from tlgui.core.models.modelfile import load_classifier
from tlgui.core.project import Project, load_project, save_project
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.runs import RunHistory
from tlgui.core.training.trainer import TrainConfig, train


@pytest.fixture(scope="module")
def project_file(tmp_path_factory, bundled_network):
    root = tmp_path_factory.mktemp("cli-runs")
    write_learnable_tree(root / "photos", {"red": 6, "blue": 6})
    dataset = DataSet()
    dataset.add_folder(root / "photos")
    result = train(dataset, TrainConfig(epochs=2, freeze_level=0, device="cpu"), backbone=bundled_network,
                   cache=FeatureCache(root / "cache"))
    runs = RunHistory()
    runs.add_result(result)
    runs.add_result(replace(result, cancelled=True, report=replace(result.report, accuracy=0.25)))
    runs.rename(2, "stopped early")
    path = root / "two runs.tlgui"
    save_project(Project(dataset, "efficientnet_lite0", TrainConfig(), runs), path)
    return path, result


def test_inspect_lists_the_runs_and_the_one_in_use(project_file, capsys):
    path, result = project_file
    assert main(["inspect", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Project:     {path}"
    assert "Runs:        2 (in use: 1)" in lines
    first = next(line for line in lines if line.startswith("  *   1  Run 1  "))
    assert f"{result.report.accuracy:.1%}, finished, model kept" in first and "head only" in first
    second = next(line for line in lines if line.startswith("      2  stopped early  "))
    assert "2 of 2 epochs, 25.0%, stopped, model kept" in second


def test_export_takes_the_run_in_use_or_the_run_named(project_file, tmp_path, capsys):
    path, result = project_file
    assert main(["export", str(path), "--run", "2", "--out", str(tmp_path / "second.safetensors")]) == 0
    assert main(["export", str(path), "--out", str(tmp_path / "in use.safetensors")]) == 0
    for name in ("second", "in use"):
        assert load_classifier(tmp_path / f"{name}.safetensors").class_names == result.classifier.class_names
    capsys.readouterr()


@pytest.mark.parametrize(("source", "run", "message"), [
    ("project", "9", "has no run 9 (its runs: 1, 2)"),
    ("model", "1", "--run names a run of a project"),
])
def test_a_run_that_is_not_there_is_one_line(project_file, tmp_path, capsys, source, run, message):
    path, result = project_file
    if source == "model":
        assert main(["export", str(path), "--out", str(tmp_path / "m.safetensors")]) == 0
        path = tmp_path / "m.safetensors"
        capsys.readouterr()
    code = main(["export", str(path), "--run", run, "--out", str(tmp_path / "out.safetensors")])
    err = capsys.readouterr().err
    # A run that is not there is a mistaken option: exit 2, as for any other option.
    assert code == 2 and err.count("\n") == 1 and message in err
    assert not (tmp_path / "out.safetensors").exists()


def test_inspect_says_which_photos_are_missing(tmp_path, capsys):
    # It listed "red (3), blue (3)" for a project whose photos had gone.
    write_learnable_tree(tmp_path / "photos", {"red": 3, "blue": 3})
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    path = tmp_path / "p.tlgui"
    save_project(Project(dataset, "efficientnet_lite0", TrainConfig()), path)
    for photo in sorted((tmp_path / "photos" / "red").iterdir())[:2]:
        photo.unlink()
    assert main(["inspect", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Classes:     blue (3), red (3, 2 missing)" in lines or "Classes:     red (3, 2 missing), blue (3)" in lines
    assert "Missing:     2 photos are not where the project says (moved or deleted); training leaves them out" in lines


def test_a_project_saved_with_a_device_this_computer_lacks_says_the_setting_is_the_projects(
        project_file, tmp_path, capsys):
    # "A CUDA GPU was requested ... Choose auto or cpu." named no one's choice: it was the project's.
    path, _result = project_file
    project = load_project(path)
    project.config = replace(project.config, device="cuda:7")
    moved = tmp_path / "from-the-gpu-machine.tlgui"
    save_project(project, moved)
    assert main(["train", str(moved), "--out", str(tmp_path / "m"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"{moved} trains on cuda:7, as it was saved: " in err and "--device auto or --device cpu" in err
