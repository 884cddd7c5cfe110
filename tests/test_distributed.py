"""Training under torchrun: two CPU processes (Gloo) share the work and write one model that matches
a single process's; and `tlgui train PROJECT.tlgui`.

The runs launch `python -m torch.distributed.run --nproc-per-node 2 --standalone -m tlgui train ...`
as a user would, with one thread per process so that two processes fit this machine's cores.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from photos import write_learnable_tree

from tlgui.cli.main import main
from tlgui.core.data.bins import DataSet
from tlgui.core.models.modelfile import load_classifier
from tlgui.core.plan.regime import Regime
from tlgui.core.project import Project, load_project, save_project
from tlgui.core.runtime.inference import InferenceSettings, torch_threads
from tlgui.core.training import distributed
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.trainer import TrainConfig, train

REPO = Path(__file__).resolve().parents[1]
TORCHRUN_TIMEOUT_S = 240
SHARE_LINE = re.compile(
    r"tlgui rank (\d) of 2 on cpu; (?:extracted (\d+) of (\d+) photos; )?trained on (\d+) of (\d+) photos an epoch; "
    r"validated (\d+) of (\d+) photos"
)


def _world(rank: int, size: int) -> distributed.World:
    return distributed.World(rank, size, rank, size, torch.device("cpu"), distributed.RankShare(rank, size, "cpu"))


# ---- without processes --------------------------------------------------------------------------
@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("count,batch_size", [(1, 4), (2, 4), (7, 4), (8, 4), (13, 5), (5, 1)])
def test_each_step_is_the_batch_one_process_takes_split_between_the_ranks(count, batch_size, size):
    order = [f"photo{i}" for i in range(count)]
    shares = [list(distributed.step_shares(order, batch_size, _world(rank, size))) for rank in range(size)]
    single = [order[i : i + batch_size] for i in range(0, count, batch_size)]
    assert all(len(steps) == len(single) for steps in shares)  # the same steps on every rank
    for step, batch in enumerate(single):
        together = [photo for rank in range(size) for photo in shares[rank][step]]
        assert all(shares[rank][step] for rank in range(size))  # every rank has a photo to train on
        assert set(together) == set(batch) | set(order[: max(0, size - len(batch))])
        assert len(together) == max(len(batch), size)
        assert max(map(len, (s[step] for s in shares))) - min(map(len, (s[step] for s in shares))) <= 1


def test_without_torchrun_a_run_is_a_plain_run(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    settings = InferenceSettings.choose("cpu")
    with distributed.process_group("cpu") as world:
        assert world is None and distributed.current() is None
        assert distributed.settings_for_rank(settings) is settings
        assert distributed.mean_over_ranks(0.25) == 0.25
        source = object()
        assert distributed.shard_source(source, None) is source
    callbacks = [object(), object()]
    assert distributed.main_rank_only(callbacks) == callbacks and distributed.is_main_process()
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert distributed.launched_by_torchrun() and not distributed.is_main_process()
    assert distributed.main_rank_only(callbacks) == []


def test_what_a_rank_did_reads_as_one_line():
    share = distributed.RankShare(1, 2, "cuda:1", photos_extracted=20, photos_to_extract=40, photos_trained=16,
                                  train_photos=32, photos_validated=4, val_photos=8)
    assert share.describe() == ("rank 1 of 2 on cuda:1; extracted 20 of 40 photos; trained on 16 of 32 photos an "
                                "epoch; validated 4 of 8 photos")


# ---- a project file -----------------------------------------------------------------------------
@pytest.fixture
def project_file(tmp_path) -> Path:
    write_learnable_tree(tmp_path / "photos", {"red": 10, "blue": 10})
    path = tmp_path / "colours.tlgui"
    config = TrainConfig(epochs=2, batch_size=8, freeze_level=0, use_cache=False, seed=7)
    save_project(Project(_dataset(tmp_path / "photos"), "efficientnet_lite0", config), path)
    return path


def test_a_project_file_trains_with_its_bins_backbone_and_settings(project_file, tmp_path, capsys):
    out = tmp_path / "model.safetensors"
    # The project says 2 epochs, seed 7, no cache, batches of 8; the command line asks for 1 epoch.
    assert main(["train", str(project_file), "--out", str(out), "--quiet", "--epochs", "1"]) == 0
    model = load_classifier(out)
    assert model.class_names == ["blue", "red"] and model.backbone_id == "efficientnet_lite0"
    config = model.training.config
    assert (config.epochs, config.seed, config.batch_size, config.use_cache) == (1, 7, 8, False)
    assert model.training.regime == "head" and len(model.training.history) == 1
    assert "Saved" in capsys.readouterr().out


def test_a_project_file_keeps_its_own_validation_photos(project_file, tmp_path, capsys):
    argv = ["train", str(project_file), "--val", str(tmp_path / "photos"), "--out", str(tmp_path / "m.safetensors")]
    assert main(argv) == 2
    assert "a project file keeps its own validation photos" in capsys.readouterr().err


# ---- two processes ------------------------------------------------------------------------------
def _torchrun(tmp_path: Path, *args: str, program: tuple[str, ...] = ("-m", "tlgui", "train"),
              timeout: float = TORCHRUN_TIMEOUT_S) -> subprocess.CompletedProcess:
    """`torchrun --nproc-per-node 2 --standalone -m tlgui train ARGS` (or another ``program``) on this
    CPU, one thread a process."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO), "TLGUI_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--standalone",
               *program, *args]
    # Its own session; torchrun starts each worker in a session of its own, so a run that hangs is
    # ended process by process, torchrun's descendants first (they hold the pipes open).
    with subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for pid in [*_descendants(process.pid), process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            out, err = process.communicate()
            pytest.fail(f"torchrun did not finish in {timeout:g} s:\n{err[-3000:]}")
    assert process.returncode == 0, err[-3000:]
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid``, and by those, ... (Linux: /proc/PID/task/TID/children)."""
    found = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in map(int, children.read_text().split()):
                found += [child, *_descendants(child)]
    return found


def _shares(stderr: str) -> dict[int, tuple[int | None, ...]]:
    found = {int(m[1]): tuple(None if g is None else int(g) for g in m.groups()[1:]) for m in SHARE_LINE.finditer(stderr)}
    assert sorted(found) == [0, 1], stderr[-3000:]
    return found


def _written_once(run: subprocess.CompletedProcess, folder: Path, model: Path) -> None:
    assert run.stdout.count("Saved ") == 1  # only rank 0 reports and writes
    assert sorted(folder.iterdir()) == [model]  # and nothing else was left beside it


@pytest.mark.slow
def test_two_processes_share_a_partial_fine_tune_and_match_one_process(tmp_path, bundled_network):
    photos = tmp_path / "photos"
    write_learnable_tree(photos, {"red": 16, "blue": 16})
    folder = tmp_path / "out"
    folder.mkdir()
    model = folder / "model.safetensors"
    options = {"freeze_level": 1, "epochs": 4, "batch_size": 8, "seed": 5}
    run = _torchrun(tmp_path, str(photos), "--out", str(model), "--freeze", "1", "--epochs", "4",
                    "--batch-size", "8", "--seed", "5")
    _written_once(run, folder, model)

    shares = _shares(run.stderr)
    (extracted0, photos0, trained0, train0, val0, vals0), (extracted1, _, trained1, _, val1, _) = shares[0], shares[1]
    # Every photo is extracted by one rank; each trains on its half of every step and validates its half.
    assert photos0 == 32 and extracted0 + extracted1 == 32 and extracted0 == extracted1 == 16
    assert train0 + vals0 == 32 and trained0 + trained1 == train0 and trained0 == trained1
    assert val0 + val1 == vals0 and abs(val0 - val1) <= 1

    distributed_model = load_classifier(model)
    with torch_threads(1):
        single = train(_dataset(photos), TrainConfig(**options), backbone=bundled_network,
                       cache=FeatureCache(tmp_path / "single-cache"))
    # Both fine-tuned the last stage after the head (the model itself is described as the phase whose
    # epoch was best, which batch statistics taken per rank may make the head's in one run only).
    assert single.regime == "partial" and single.freeze_level == 1
    assert {epoch.phase for epoch in distributed_model.training.history} == {Regime.HEAD, Regime.PARTIAL}
    assert distributed_model.metrics.val_images == len(single.report.predictions)
    # The same steps on the same photos; batch statistics are taken per rank (half a batch), so the
    # weights are close, not equal. The photos are learnable: both runs classify them all.
    assert abs(distributed_model.metrics.accuracy - single.report.accuracy) <= 0.01
    assert distributed_model.metrics.accuracy >= 0.9


@pytest.mark.slow
def test_two_processes_stream_a_project_file_as_one_process(project_file, tmp_path, bundled_network):
    """A project's partial fine-tune without the cache: the head first on pooled features (every
    rank alike), then the last stage under DDP on photos decoded every epoch, each rank its share."""
    project = load_project(project_file)
    project.config.freeze_level = 1
    save_project(project, project_file)
    folder = tmp_path / "out"
    folder.mkdir()
    model = folder / "model.safetensors"
    run = _torchrun(tmp_path, str(project_file), "--out", str(model))
    _written_once(run, folder, model)
    shares = _shares(run.stderr)
    (_, _, trained0, train0, val0, vals0), (_, _, trained1, _, val1, _) = shares[0], shares[1]
    assert trained0 == trained1 == train0 // 2 and val0 + val1 == vals0

    with torch_threads(1):
        single = train(project.dataset, project.config, backbone=bundled_network)
    distributed_model = load_classifier(model)
    assert {epoch.phase for epoch in distributed_model.training.history} == {Regime.HEAD, Regime.PARTIAL}
    # Trainable BatchNorm sees each rank's half batch (DDP's default), so not bit for bit: within a point.
    assert abs(distributed_model.metrics.accuracy - single.report.accuracy) <= 0.01


def _dataset(root: Path) -> DataSet:
    dataset = DataSet()
    dataset.add_folder(root)
    return dataset


# A head phase, trained on every rank alike, whose validation rank 1 sees differently (as kernels that
# are not bit-for-bit deterministic, or two models of GPU, can make it): rank 0's accuracy rises
# every epoch, rank 1's falls after the first.
_DIVERGING_RANKS = """
import os, sys
import torch
from torch import nn
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import CancelToken
from tlgui.core.runtime.inference import InferenceSettings
from tlgui.core.training import distributed
from tlgui.core.training.best_epoch import BestEpochTracker
from tlgui.core.training.config import TrainConfig
from tlgui.core.training.context import TrainingContext
from tlgui.core.training.loop import PhaseSpan, _Loop
from tlgui.core.training.sources import Split, Validation

RANK = int(os.environ["RANK"])
TARGETS = torch.tensor([0, 1, 0, 1, 0])


class Source:
    train = val = Split([], TARGETS)

    def __init__(self):
        self.epoch = 0

    def steps_per_epoch(self):
        return 1

    def train_batches(self, epoch):
        return iter(())

    def validate(self, loss_fn, cancel=None):
        self.epoch += 1
        right = self.epoch if RANK == 0 else (1 if self.epoch == 1 else 0)
        logits = torch.stack([torch.eye(2)[t] * (4.0 if i < right else -4.0) for i, t in enumerate(TARGETS)])
        return Validation.of(logits, TARGETS, loss_fn)


torch.manual_seed(0)
net = StagedNetwork([("stem", nn.Conv2d(3, 4, 3)), ("pre_logits", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())),
                     ("head", nn.Linear(4, 2))], backbone_id="tiny")
context = TrainingContext(net, 2, Regime.HEAD, InferenceSettings.choose("cpu"), Preprocessing(input_size=32),
                          ("a", "b"), 4, 0, False, "medium", 0, lambda failures: None)
config = TrainConfig(epochs=5, early_stopping_patience=1, balance_classes=False)
with distributed.process_group("cpu"):
    outcome = _Loop(context, Source(), config, [], CancelToken(), BestEpochTracker(1), PhaseSpan()).run()
print(f"rank {RANK}: epochs {len(outcome.history)}, best {outcome.best_epoch}", file=sys.stderr, flush=True)
"""


@pytest.mark.slow
def test_ranks_that_validate_differently_still_take_the_same_epochs(tmp_path):
    # Each rank's early stopping judged on its own figures: rank 1 stopped after epoch 2 while rank 0
    # went on to epoch 3's exchange, and waited there for a rank that had left.
    script = tmp_path / "diverging_ranks.py"
    script.write_text(_DIVERGING_RANKS, encoding="utf-8")
    run = _torchrun(tmp_path, program=(str(script),), timeout=120)
    # The two ranks write to one pipe: their lines may run into each other.
    reported = sorted(re.findall(r"rank \d: epochs \d+, best \d+", run.stderr))
    # Rank 0's accuracy rises every epoch: every rank runs all five, and keeps the last.
    assert reported == ["rank 0: epochs 5, best 5", "rank 1: epochs 5, best 5"], run.stderr[-3000:]
