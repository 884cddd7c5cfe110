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
