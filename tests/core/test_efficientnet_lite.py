"""tlgui's own EfficientNet-Lite0 against timm's ``tf_efficientnet_lite0``: same names, same numbers.

The bundled backbone is built without timm (importing it costs seconds), so timm is the reference it
is held to: the same state-dict keys in the same order, and the same outputs and gradients, in eval
and train mode, at sizes where TensorFlow's "same" padding is and is not symmetric.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import torch

from tlgui.core.backbones import bundled
from tlgui.core.backbones.efficientnet_lite import EfficientNetLite0, _same_padding
from tlgui.core.backbones.weights import load_state_dict_file

timm = pytest.importorskip("timm")


@pytest.fixture(scope="module")
def pair():
    reference = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    ours = EfficientNetLite0()
    path = bundled.weights_path()
    weights = bundled._rename_by_position(load_state_dict_file(path), reference.state_dict(), path)
    reference.load_state_dict(weights)
    ours.load_state_dict(weights)
    return ours, reference


def test_the_same_keys_shapes_and_order_as_timm(pair):
    ours, reference = pair
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == [
        (k, v.shape) for k, v in reference.state_dict().items()
    ]


@pytest.mark.parametrize("size", [(224, 224), (225, 231), (97, 64)])
def test_the_same_logits_as_timm(pair, size):
    ours, reference = pair
    ours.eval(), reference.eval()
    x = torch.randn(2, 3, *size, generator=torch.Generator().manual_seed(size[0]))
    with torch.no_grad():
        assert torch.equal(ours(x), reference(x))


def test_the_same_gradients_and_batch_statistics_in_train_mode(pair):
    ours, reference = (copy.deepcopy(net).train() for net in pair)  # the shared pair keeps its statistics
    x = torch.randn(4, 3, 96, 96, generator=torch.Generator().manual_seed(7))
    for net in (ours, reference):
        net(x).square().mean().backward()
    for (name, a), (_, b) in zip(ours.named_parameters(), reference.named_parameters(), strict=True):
        assert torch.allclose(a.grad, b.grad, rtol=1e-4, atol=1e-7), name
    for (name, a), (_, b) in zip(ours.named_buffers(), reference.named_buffers(), strict=True):
        assert torch.allclose(a.float(), b.float()), name


def test_same_padding_puts_the_odd_pixel_after():
    # TensorFlow: output = ceil(size / stride); the padding that needs, the odd one at the end.
    assert _same_padding(224, 3, 2) == 1  # 0 before, 1 after
    assert _same_padding(225, 3, 2) == 2
    assert _same_padding(224, 5, 2) == 3
    assert _same_padding(7, 3, 1) == 2


def test_building_it_imports_neither_timm_nor_torchvision():
    code = (
        "import sys; from tlgui.core.backbones import bundled; bundled.create_lite0(); "
        "print(sorted(m for m in ('timm', 'torchvision') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

