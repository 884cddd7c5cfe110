"""Copies of a network for inference, each batch norm that follows a convolution folded into it.

In evaluation mode a batch norm is a fixed affine map per channel, which the convolution before it
can absorb into its weights and bias: the copy computes the same function, to float rounding (about
1e-5 of the activations' scale, far below the float16 the feature cache stores), with one pass over
memory fewer per layer. On a 2-core CPU that made EfficientNet-Lite0's frozen trunk about a third
faster (23 ms a photo against 31 to 35, batch 32, fp32, channels_last). A network that only infers
(feature extraction, prediction) runs such a copy; one that trains keeps its batch norms.

Which layers follow which is read from the order the modules registered their children, which is
how the convolutional families tlgui offers are built (its own EfficientNet-Lite0, torchvision's
ResNets, MobileNets, EfficientNets, DenseNets). A batch norm that does more than normalise (tlgui's
``BatchNormAct2d``: the norm, then its activation) folds when it says what remains of it once the
norm is folded away (``folded_remainder()``). Order is not the data flow in every network, so the copy is
checked against the original on a random input before it is used; where the two disagree, or
nothing folds, the original is used as it is. The check runs on small images (``CHECK_SIZE``): what it
catches, a norm folded across the data flow or one that is broken (a negative variance), shows at any
size, and at the network's own size the check alone cost two thirds of making the copy (0.10 of 0.16 s
for EfficientNet-Lite0 on a 2-core CPU, against 0.03 s at 64 pixels).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

# The copy must agree with the original this closely, relative to the largest output.
AGREEMENT = 1e-3
_CHECK_SEED = 0
# The side of the random images the copy is checked on: the network's own where it is smaller, and
# the network's own where one this small does not go through (a layer that needs a minimum size).
CHECK_SIZE = 64

# From this many photos on it pays to run them through a folded copy: making and checking it costs
# about ten photos' forward passes on a CPU, and each photo then costs about a third less.
FOLD_FROM_PHOTOS = 32


def worth_folding(photos: int) -> bool:
    """Whether a folded copy pays for itself over ``photos`` photos (``FOLD_FROM_PHOTOS``)."""
    return photos >= FOLD_FROM_PHOTOS


def network_for_photos(net: nn.Module, input_size: int, photos: int) -> nn.Module:
    """What ``photos`` photos should run through: ``folded_for_inference(net, input_size)`` where
    that is ``worth_folding``, else ``net`` itself (in evaluation mode)."""
    return folded_for_inference(net, input_size) if worth_folding(photos) else net.eval()


def folded_for_inference(net: nn.Module, input_size: int) -> nn.Module:
    """An evaluation-mode copy of ``net`` with its batch norms folded into their convolutions, on
    ``net``'s device; ``net`` itself (put in evaluation mode) when none folds or the copy does not
    compute the same outputs for a random batch of two ``input_size`` images.

    ``net`` is never changed, except for ``eval()``.
    """
    net.eval()
    if not any(True for _ in _foldable_pairs(net)):
        return net
    folded = copy.deepcopy(net)
    for parent, conv_name, norm_name in list(_foldable_pairs(folded)):
        conv, norm = parent._modules[conv_name], parent._modules[norm_name]
        parent._modules[conv_name] = fuse_conv_bn_eval(conv, norm)
        parent._modules[norm_name] = _what_follows_the_norm(norm)
    if _channels_last(net):
        folded.to(memory_format=torch.channels_last)  # the folded weights are new tensors: as the original's
    folded.eval()
    return folded if _agrees(net, folded, input_size) else net


def folded_copy(net: nn.Module, input_size: int) -> nn.Module | None:
    """``folded_for_inference``'s copy of ``net`` as its weights are now, for a network in training:
    ``net`` is left as it was, each module's mode included; None where no folded copy agrees with it.
    What runs through the copy must not depend on the modes (stages frozen in evaluation mode)."""
    modes = [(module, module.training) for module in net.modules()]
    try:
        folded = folded_for_inference(net, input_size)
    finally:
        for module, training in modes:
            module.training = training
    return None if folded is net else folded


def _channels_last(net: nn.Module) -> bool:
    return any(p.dim() == 4 and p.is_contiguous(memory_format=torch.channels_last) and not p.is_contiguous()
               for p in net.parameters())


def _foldable_pairs(net: nn.Module):
    """(parent, convolution's name, batch norm's name) for each convolution directly followed, among
    its parent's children, by a batch norm of as many channels."""
    for parent in net.modules():
        children = list(parent._modules.items())
        for (conv_name, conv), (norm_name, norm) in zip(children, children[1:], strict=False):
            if isinstance(conv, nn.Conv2d) and _is_plain_norm(norm) and conv.out_channels == norm.num_features:
                yield parent, conv_name, norm_name


def _is_plain_norm(module: nn.Module | None) -> bool:
    """A BatchNorm2d with learned scales and running statistics (an affine map once in evaluation
    mode), or a subclass that says what remains of it when that map is folded away."""
    if not isinstance(module, nn.BatchNorm2d) or not module.affine or module.running_mean is None:
        return False
    return type(module) is nn.BatchNorm2d or callable(getattr(module, "folded_remainder", None))


def _what_follows_the_norm(norm: nn.Module) -> nn.Module:
    if type(norm) is nn.BatchNorm2d:
        return nn.Identity()
    return norm.folded_remainder()


def _agrees(net: nn.Module, folded: nn.Module, input_size: int) -> bool:
    small = min(input_size, CHECK_SIZE)
    try:
        outputs = _outputs(net, folded, small)
    except Exception:  # noqa: BLE001 - too small for this network: checked at its own size instead
        if small == input_size:
            raise
        outputs = _outputs(net, folded, input_size)
    expected, got = outputs
    if expected.shape != got.shape or not torch.isfinite(got).all():
        return False
    scale = max(1.0, float(expected.abs().max()))
    return float((expected - got).abs().max()) <= AGREEMENT * scale


def _outputs(net: nn.Module, folded: nn.Module, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Both networks' outputs for the same random batch of two ``size``-pixel images."""
    parameter = next(net.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    generator = torch.Generator().manual_seed(_CHECK_SEED)
    x = torch.randn(2, 3, size, size, generator=generator).to(device)
    with torch.inference_mode(), exact_float32():
        return net(x).float(), folded(x).float()


@contextmanager
def exact_float32() -> Iterator[None]:
    """Convolutions and matrix products in full float32 for the ``with`` block.

    A GPU's convolutions use TF32 by default (10 bits of mantissa: about 1e-3 of each layer's
    scale), so two networks computing the same function would differ by far more than
    ``AGREEMENT`` after tens of layers, and every folded copy would be refused on a GPU. The check
    is of the folding's arithmetic, not of the hardware's rounding. The switches are global: work on
    another thread meanwhile runs in full float32 too, which only makes it exact; two checks at once
    (a fine-tune's and a prediction's) take turns, so that neither restores what the other set.
    """
    with _EXACT_FLOAT32:
        saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
        try:
            yield
        finally:
            torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


_EXACT_FLOAT32 = threading.Lock()
