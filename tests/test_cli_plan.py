"""``tlgui train --plan``: what would train and how long each level takes here, and nothing trained."""

from __future__ import annotations

import pytest
from photos import write_learnable_tree

from tlgui.cli.main import main
from tlgui.core.plan import estimate
from tlgui.core.training import trainer


@pytest.fixture
def photos(tmp_path, monkeypatch):
    write_learnable_tree(tmp_path / "photos", {"red": 8, "blue": 8})

    def no_training(*args, **kwargs):
        raise AssertionError("--plan trained")

    monkeypatch.setattr(trainer, "train", no_training)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path / "photos"


def test_the_plan_says_each_level_and_its_time_and_trains_nothing(photos, tmp_path, capsys, monkeypatch):
    measured = []

    def stored_speed(net, settings, batch_size, input_size, store, *, cancel=None, on_inference=None):
        # As a stored measurement: every stage 10 ms per photo to run, 30 ms to train.
        measured.append((net.backbone_id, batch_size, store.path))
        names = tuple(net.stage_names)
        return estimate.NetworkSpeed(names, (0.01,) * len(names), (0.03,) * len(names), 0.001, 0.05), False

    monkeypatch.setattr(estimate, "network_speed", stored_speed)
    cache = tmp_path / "cache"
    assert main(["train", str(photos), "--plan", "--freeze", "2", "--batch-size", "8", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert measured == [("efficientnet_lite0", 8, cache / estimate.STORE_NAME)]
    assert "Backbone:  EfficientNet-Lite0" in out
    assert "Data:      16 photos in 2 classes" in out
    assert "Trains:    Head + last 2 stages (partial fine-tune), chosen; the new head first, on cached features" in out
    assert "Why:       With about" in out and "Fine-tuning the last" in out
    table = out[out.index("Time on this computer"):].splitlines()
    assert table[0].startswith("Time on this computer (cpu: ") and "batch 8, 30 epochs per phase at most" in table[0]
    rows = [line for line in table[1:] if "usable model" in line]
    assert [row[2:].split()[0] for row in rows] == ["Head", "Head", "Everything"]
    assert sum(row.startswith("*") for row in rows) == 1 and "last 2 stages" in next(r for r in rows if r[0] == "*")
    assert "Nothing was trained." in out
    assert not list(tmp_path.glob("*.safetensors"))


def test_while_timing_the_plan_says_when_the_first_model_would_come(photos, tmp_path, capsys, monkeypatch):
    def measuring(net, settings, batch_size, input_size, store, *, cancel=None, on_inference=None):
        names = tuple(net.stage_names)
        speed = estimate.NetworkSpeed(names, (0.01,) * len(names), (0.03,) * len(names), 0.001, 0.05)
        if on_inference is not None:  # (none with --quiet)
            on_inference(speed)  # an inference pass timed; the training passes to come
        return speed, True

    monkeypatch.setattr(estimate, "network_speed", measuring)
    args = ["train", str(photos), "--plan", "--cache-dir", str(tmp_path / "cache")]
    assert main(args) == 0
    err, out = capsys.readouterr()[::-1]
    early = [line for line in err.splitlines() if "timing the training of more layers" in line]
    assert len(early) == 1 and early[0].startswith("  a usable model (the new head) after ")
    usable = next(line for line in out.splitlines() if line.startswith("*"))
    assert early[0].split(" after ")[1].split(";")[0] in usable  # the same time as the plan's
    assert main([*args, "--quiet"]) == 0
    assert "timing the training" not in capsys.readouterr().err


def test_missing_weights_give_the_plan_without_a_time(photos, capsys):
    assert main(["train", str(photos), "--plan", "--backbone", "resnet18", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Backbone:  ResNet-18" in out and "Trains:    Head only" in out
    assert "are not on this computer yet" in out and "no time estimate" in out
    assert "Time on this computer" not in out


def test_training_without_a_model_file_or_a_plan_is_a_usage_error(photos, capsys):
    assert main(["train", str(photos)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tlgui: error: ") and "--out" in err and "--plan" in err


def test_the_plan_names_a_level_once_and_warns_of_small_and_uneven_classes(tmp_path, capsys, monkeypatch):
    # "Head only (head only)" said it twice; a class of 3 photos beside one of 40 went unremarked,
    # though the Data page marks it, and past 10 to 1 class balancing no longer makes up for it.
    write_learnable_tree(tmp_path / "photos", {"red": 40, "blue": 3})
    monkeypatch.setattr(trainer, "train", lambda *a, **k: pytest.fail("--plan trained"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    assert main(["train", str(tmp_path / "photos"), "--plan", "--backbone", "resnet18"]) == 0
    err, out = capsys.readouterr()[::-1]
    assert "Trains:    Head only, the recommendation\n" in out
    assert "  blue: Only 3 photos: the classifier will hardly learn this class. Aim for 20 or more." in err
    assert "  The classes are very uneven: red has 40 photos, blue only 3." in err


def test_the_plan_of_a_project_whose_photos_moved_leaves_them_out_and_says_so(tmp_path, capsys, monkeypatch):
    from tlgui.core.data.bins import DataSet
    from tlgui.core.project import Project, save_project
    from tlgui.core.training.config import TrainConfig

    trees = write_learnable_tree(tmp_path / "photos", {"red": 8, "blue": 8, "green": 8})
    dataset = DataSet()
    dataset.add_folder(tmp_path / "photos")
    save_project(Project(dataset, "resnet18", TrainConfig()), tmp_path / "p.tlgui")
    for path in trees["green"] + trees["blue"][:2]:
        path.unlink()
    monkeypatch.setattr(trainer, "train", lambda *a, **k: pytest.fail("--plan trained"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    # It counted and timed all 24, then training found none of green's.
    assert main(["train", str(tmp_path / "p.tlgui"), "--plan"]) == 1
    err = capsys.readouterr().err
    assert "Missing:   10 photos are not where the project says (moved or deleted); left out" in err
    assert "Classes: blue (6), green (0), red (8)" in err
    assert "tlgui: error: These classes have no photos: green." in err
