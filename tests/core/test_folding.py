"""Batch norms folded into their convolutions for inference: the same function, never assumed."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from tlgui.core.runtime import folding
from tlgui.core.runtime.folding import CHECK_SIZE, folded_for_inference


def _norms(net: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in net.modules())


def _with_statistics(net: nn.Module) -> nn.Module:
    """Batch norms with learned-looking scales and running statistics (fresh ones are the identity)."""
    generator = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            for tensor in (m.weight.data, m.bias.data, m.running_mean):
                tensor.copy_(torch.randn(tensor.shape, generator=generator))
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator) + 0.5)
    return net.eval()


def test_the_bundled_network_folds_every_norm_and_computes_the_same(bundled_network):
    net = copy.deepcopy(bundled_network).to(memory_format=torch.channels_last)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    folded = folded_for_inference(net, 224)
    assert folded is not net and _norms(net) == 49 and _norms(folded) == 0 and not folded.training
    x = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(2)).contiguous(
        memory_format=torch.channels_last)
    with torch.inference_mode():
        expected, got = net(x), folded(x)
        assert torch.allclose(expected, got, rtol=1e-4, atol=1e-4 * float(expected.abs().max()))
        boundary = len(net.stages) - 1
        assert torch.allclose(net.forward_until(boundary, x), folded.forward_until(boundary, x), atol=1e-3)
    # The original is untouched; the copy keeps its memory format.
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    conv = folded.stages["stem"][0]
    assert conv.weight.is_contiguous(memory_format=torch.channels_last) and not conv.weight.is_contiguous()


class NormBeforeConv(nn.Module):
    """Registers its convolution first but normalises the input before it: order is not the data flow."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.norm = nn.BatchNorm2d(3)

    def forward(self, x):
        return self.conv(self.norm(x))


@pytest.mark.parametrize("input_size", [16, 224])  # checked at its own size, and on smaller images
def test_a_network_whose_order_is_not_its_data_flow_is_used_as_it_is(input_size):
    net = _with_statistics(NormBeforeConv())
    assert folded_for_inference(net, input_size) is net and _norms(net) == 1


def test_a_network_that_needs_its_own_input_size_is_checked_at_that_size():
    size = CHECK_SIZE + 16  # a fixed-size layer: the smaller check images do not go through
    net = _with_statistics(nn.Sequential(nn.Conv2d(3, 2, 3, padding=1), nn.BatchNorm2d(2), nn.Flatten(),
                                         nn.Linear(2 * size * size, 3)))
    folded = folded_for_inference(net, size)
    assert folded is not net and _norms(folded) == 0
    x = torch.randn(2, 3, size, size)
    with torch.inference_mode():
        assert torch.allclose(net(x), folded(x), atol=1e-4)


def test_a_broken_norm_is_caught_on_the_small_check_images():
    net = _with_statistics(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU()))
    net[1].running_var[0] = -1.0  # NaN where the norm takes its square root
    assert folded_for_inference(net, 224) is net


@pytest.mark.parametrize("net", [
    nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()),  # nothing to fold
    nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, affine=False)),  # no scales to fold
    nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, track_running_stats=False)),  # batch statistics
])
def test_what_does_not_fold_is_used_as_it_is(net):
    assert folded_for_inference(net, 16) is net


def test_a_plain_conv_and_norm_pair_folds(tmp_path):
    net = _with_statistics(nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 2, 1)))
    folded = folded_for_inference(net, 16)
    assert isinstance(folded[1], nn.Identity) and _norms(folded) == 0 and not folded.training
    x = torch.randn(4, 3, 16, 16)
    with torch.inference_mode():
        assert torch.allclose(net(x), folded(x), atol=1e-5)


@pytest.mark.parametrize("fold_from", [4, 5])  # as many photos as the threshold, and one fewer
def test_extraction_from_enough_photos_runs_the_folded_trunk_and_stores_what_the_network_computes(bundled_network, monkeypatch,
                                                                                fold_from):
    from tlgui.core.backbones.catalogue import get_spec
    from tlgui.core.resources import demo_dir
    from tlgui.core.runtime.inference import InferenceSettings
    from tlgui.core.training import extraction

    net = copy.deepcopy(bundled_network).eval()
    prep = get_spec(net.backbone_id).preprocessing
    recipe = extraction.ViewRecipe(prep)
    settings = InferenceSettings.choose("cpu", mixed_precision=False)
    paths = sorted((demo_dir() / "val").rglob("*.jpg"))[:4]
    boundary = len(net.stages) - 1
    monkeypatch.setattr(folding, "FOLD_FROM_PHOTOS", fold_from)
    trunks = []
    real_run_trunk = extraction.run_trunk
    monkeypatch.setattr(extraction, "run_trunk", lambda trunk, *a: trunks.append(trunk) or real_run_trunk(trunk, *a))
    found, failures = extraction.compute_activations(
        net, boundary, [extraction.ViewRequest(p) for p in paths], recipe, settings, cache=None, namespace="n")
    assert not failures and len(found) == len(paths)
    if fold_from <= len(paths):
        assert trunks and all(t is not net and _norms(t) == 0 for t in trunks)
    else:  # too few photos for the copy to pay: the network itself
        assert trunks and all(t is net for t in trunks)
    batch = extraction.stack_images([recipe.make(extraction.ViewRequest(p)) for p in paths])
    expected = settings.forward_uint8(lambda x: net.forward_until(boundary, x), batch, prep).numpy()
    for i, path in enumerate(paths):
        assert abs(found[extraction.ViewRequest(path)].astype("float32") - expected[i]).max() < 1e-2


def test_a_folded_copy_of_a_network_in_training_leaves_its_modes_as_they_were(bundled_network):
    from tlgui.core.plan.freezing import set_freeze_level, train_mode

    net = copy.deepcopy(bundled_network)
    set_freeze_level(net, 1)
    train_mode(net)  # frozen stages in evaluation mode, the trainable ones training
    modes = [m.training for m in net.modules()]
    folded = folding.folded_copy(net, 224)
    assert folded is not None and _norms(folded) == 0
    assert [m.training for m in net.modules()] == modes and any(modes) and not all(modes)
    assert folding.folded_copy(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()), 16) is None  # nothing folds


def test_a_streamed_fine_tune_runs_its_frozen_stages_through_one_folded_copy(
        learnable_tree, bundled_network, monkeypatch):
    """Without the cache the frozen stages run every epoch: through a copy with their norms folded,
    made once, computing what the network's own stages compute; the network keeps its norms."""
    from tlgui.core.data.bins import DataSet
    from tlgui.core.training import sources
    from tlgui.core.training.trainer import TrainConfig, train

    copies, checked = [], []
    real_copy, real_frozen = sources.folded_copy, sources.StreamedData.frozen_activations
    monkeypatch.setattr(sources, "folded_copy", lambda *a: copies.append(real_copy(*a)) or copies[-1])

    def compared(self, x):
        got = real_frozen(self, x)
        if not checked and self.context.boundary > 0:
            with torch.no_grad():
                expected = self.context.network.forward_until(self.context.boundary, x)
            checked.append(float((got - expected).abs().max() / expected.abs().max()))
        return got

    monkeypatch.setattr(sources.StreamedData, "frozen_activations", compared)
    dataset = DataSet()
    dataset.add_folder(learnable_tree)
    result = train(dataset, TrainConfig(epochs=2, freeze_level=1, use_cache=False, batch_size=8),
                   backbone=bundled_network)
    assert result.regime == "partial"
    assert len(copies) == 1 and copies[0] is not None and _norms(copies[0]) == 0
    assert checked and checked[0] < 1e-4
    assert _norms(result.classifier.network) == _norms(bundled_network) == 49


class _SeesTf32(nn.Module):
    """Records, at each forward pass, whether TF32 (a GPU's default for convolutions) was allowed."""

    def __init__(self, seen: list):
        super().__init__()
        self.seen = seen

    def forward(self, x):
        self.seen.append((torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32))
        return x


def test_the_folded_copy_is_checked_in_full_float32_and_the_switches_are_restored(monkeypatch):
    # With TF32's 10-bit mantissa, a copy and its original differ by about 1e-3 of the scale per layer
    # on a GPU: a check at that precision would refuse every folded copy there.
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", True)
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", True)
    seen = []
    assert folding._agrees(_SeesTf32(seen), _SeesTf32(seen), 16)
    assert seen == [(False, False), (False, False)]
    assert torch.backends.cudnn.allow_tf32 and torch.backends.cuda.matmul.allow_tf32
