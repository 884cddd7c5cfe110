"""Choosing CPU, CUDA or MPS."""

from __future__ import annotations

import pytest
import torch

from tlgui.core.errors import TlguiError
from tlgui.core.runtime import device as device_module
from tlgui.core.runtime.device import available_devices, pick_device


def _pretend(monkeypatch, *, cuda: bool, mps: bool) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1 if cuda else 0)
    monkeypatch.setattr(device_module, "_mps_available", lambda: mps)


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    _pretend(monkeypatch, cuda=True, mps=True)
    assert available_devices() == ["cuda", "mps", "cpu"]
    assert pick_device() == torch.device("cuda")
    _pretend(monkeypatch, cuda=False, mps=True)
    assert pick_device("auto") == torch.device("mps")
    _pretend(monkeypatch, cuda=False, mps=False)
    assert available_devices() == ["cpu"] and pick_device() == torch.device("cpu")


def test_asking_for_a_missing_device_says_so(monkeypatch):
    _pretend(monkeypatch, cuda=False, mps=False)
    with pytest.raises(TlguiError, match="CUDA GPU was requested"):
        pick_device("cuda")
    with pytest.raises(TlguiError, match="MPS"):
        pick_device("mps")
    with pytest.raises(TlguiError, match="Unknown device 'tpu'"):
        pick_device("tpu")
    _pretend(monkeypatch, cuda=True, mps=False)
    assert pick_device("CUDA:0") == torch.device("cuda:0")
    with pytest.raises(TlguiError, match="GPU 3 was requested"):
        pick_device("cuda:3")


def test_cpu_is_always_there():
    assert pick_device("cpu") == torch.device("cpu")
    assert available_devices()[-1] == "cpu"


def test_a_cpu_copy_is_a_deep_copy_that_keeps_frozen_tied_and_statistics():
    import torch
    from torch import nn

    from tlgui.core.runtime.device import cpu_copy

    shared, tied = nn.Linear(4, 4), nn.Linear(4, 4)
    tied.weight = shared.weight
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Flatten(), shared, shared, tied)
    net[0].weight.requires_grad_(False)  # a frozen stage
    net[1].running_mean.fill_(0.5)
    net.train()
    copied = cpu_copy(net)
    assert copied is not net and copied.training
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), copied.state_dict().values(), strict=True))
    # Its own storage: changing the copy leaves the original as it was.
    with torch.no_grad():
        for tensor in copied.state_dict().values():
            tensor.zero_()
    assert float(net[1].running_mean[0]) == 0.5 and net[3].weight.abs().sum() > 0
    assert isinstance(copied[3].weight, nn.Parameter)
    assert not copied[0].weight.requires_grad and copied[0].bias.requires_grad
    assert copied[3] is copied[4] and copied[5].weight is copied[3].weight  # shared and tied, as in the original
    assert copied[5].bias is not copied[3].bias
