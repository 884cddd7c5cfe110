"""What only a GPU runs: whole training runs in each regime, what they hand out, and prediction.

Skipped where torch sees no CUDA device (CI, this project's usual machines); on a GPU machine,
``python -m pytest tests/core/test_cuda.py`` runs them in about a minute. Each was written after a
path that only a GPU takes failed there, or could have: a validation loss whose class weights were on
the GPU while validation's logits come back on the CPU; a folded copy checked in TF32; a predictor
moving the project's classifier to the GPU in place; best-epoch weights kept on the GPU.
"""

from __future__ import annotations

import copy

import pytest
import torch

from tlgui.core.data.bins import DataSet
from tlgui.core.plan.regime import Regime
from tlgui.core.predict.predictor import Predictor
from tlgui.core.runtime.folding import folded_for_inference
from tlgui.core.training.feature_cache import FeatureCache
from tlgui.core.training.trainer import TrainConfig, TrainingCallback, train

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


class Handed(TrainingCallback):
    """Everything a run hands out while it goes on."""

    def __init__(self):
        self.ready, self.best = [], []

    def on_model_ready(self, classifier):
        self.ready.append(classifier)

    def on_best_so_far(self, best):
        self.best.append(best)


def _on_cpu(module: torch.nn.Module) -> bool:
    return {t.device.type for t in module.state_dict().values()} == {"cpu"}


def _dataset(root) -> DataSet:
    ds = DataSet()
    ds.add_folder(root)
    return ds


@pytest.mark.parametrize(("freeze_level", "use_cache", "regime"), [
    (0, True, Regime.HEAD),
    (1, True, Regime.PARTIAL),  # the fine-tune on cached boundary activations
    (1, False, Regime.PARTIAL),  # streamed: the trunk recomputed, in a folded copy
    (99, True, Regime.FULL),
])
def test_a_run_trains_on_the_gpu_and_hands_out_models_on_the_cpu(learnable_tree, bundled_network, tmp_path,
                                                                  freeze_level, use_cache, regime):
    handed = Handed()
    config = TrainConfig(epochs=3, freeze_level=freeze_level, use_cache=use_cache, device="cuda",
                         early_stopping_patience=None, balance_classes=True)
    with FeatureCache(tmp_path / "cache") as cache:
        result = train(_dataset(learnable_tree), config, backbone=bundled_network, callbacks=[handed], cache=cache)
    assert result.regime is regime and not result.cancelled
    assert result.report.accuracy > 0.5
    assert [stats.epoch for stats in result.history] == list(range(1, len(result.history) + 1))
    assert _on_cpu(result.classifier.network)
    assert all(_on_cpu(classifier.network) for classifier in handed.ready)
    for best in handed.best:  # the window keeps these while the run goes on, and builds them on its thread
        assert _on_cpu(best.result().classifier.network)


def test_prediction_on_the_gpu_agrees_with_the_cpu_and_leaves_the_classifier_on_the_cpu(
        learnable_tree, bundled_network, tmp_path):
    config = TrainConfig(epochs=2, freeze_level=0, device="cuda")
    with FeatureCache(tmp_path / "cache") as cache:
        classifier = train(_dataset(learnable_tree), config, backbone=bundled_network, cache=cache).classifier
    photos = sorted(learnable_tree.rglob("*.jpg"))
    on_gpu = Predictor(classifier, device="cuda", mixed_precision=False).predict_paths(photos)
    assert _on_cpu(classifier.network)
    on_cpu = Predictor(classifier, device="cpu", mixed_precision=False).predict_paths(photos)
    assert [p.label for p in on_gpu] == [p.label for p in on_cpu]
    for gpu, cpu in zip(on_gpu, on_cpu, strict=True):
        # The GPU's convolutions run in TF32 by default (about 1e-3 of the scale per layer).
        assert gpu.probability == pytest.approx(cpu.probability, abs=1e-2)


def test_the_bundled_network_folds_on_the_gpu(bundled_network):
    net = copy.deepcopy(bundled_network).to("cuda").eval()
    assert folded_for_inference(net, 224) is not net  # checked in TF32, the copy would have been refused


def test_a_network_on_the_gpu_is_copied_to_the_cpu_without_a_second_copy_there(bundled_network):
    from tlgui.core.runtime.device import cpu_copy

    net = copy.deepcopy(bundled_network).to("cuda")
    size = sum(t.numel() * t.element_size() for t in net.state_dict().values())
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    copied = cpu_copy(net)
    assert torch.cuda.max_memory_allocated() - before < size / 10
    assert _on_cpu(copied)
    assert all(torch.equal(a.cpu(), b) for a, b in zip(net.state_dict().values(), copied.state_dict().values(),
                                                        strict=True))
