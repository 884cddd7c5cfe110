"""Where the network runs: CUDA, Apple's MPS or the CPU."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tlgui.core.errors import TlguiError
from tlgui.core.i18n import _

if TYPE_CHECKING:
    import torch

#: Every kind of device tlgui runs on, fastest first. Which of them this computer has is
#: ``available_devices``' question, and asking it imports torch (seconds).
DEVICE_KINDS = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[str]:
    """The device kinds this computer can use, fastest first; always ends with "cpu"."""
    import torch

    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if _mps_available():
        found.append("mps")
    return [*found, "cpu"]


def pick_device(preference: str = "auto") -> torch.device:
    """The torch device for ``preference``: "auto" (CUDA, then MPS, then CPU), "cpu", "cuda[:N]" or "mps".

    Asking for a device this computer does not have raises TlguiError rather than silently running
    somewhere slower.
    """
    import torch

    choice = (preference or "auto").strip().lower()
    if choice == "auto":
        return torch.device(available_devices()[0])
    kind, _colon, index = choice.partition(":")
    if kind not in DEVICE_KINDS or (index and not index.isdigit()):
        raise TlguiError(_(
            "Unknown device {preference!r}; choose auto, cpu, cuda or mps."
        ).format(preference=preference))
    if kind not in available_devices():
        raise TlguiError(_missing_message(kind))
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise TlguiError(
            _(
                "GPU {index} was requested, but this computer has {device_count} CUDA GPU(s) (numbered "
                "from 0)."
            ).format(index=index, device_count=torch.cuda.device_count())
        )
    return torch.device(choice)


def _missing_message(kind: str) -> str:
    if kind == "cuda":
        return _(
            "A CUDA GPU was requested, but PyTorch sees none here (no NVIDIA GPU, no driver, or a CPU-only "
            "PyTorch build). Choose auto or cpu."
        )
    return _(
        "Apple's MPS GPU was requested, but it is not available here (it needs an Apple-silicon Mac). Choose auto "
        "or cpu."
    )


def cpu_copy(module: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``module`` on the CPU, made without a second copy where it is.

    ``copy.deepcopy`` followed by ``.to("cpu")`` would first copy a network on the GPU there: for
    a moment two networks in a memory that a run sized for one. Here deepcopy is handed each
    parameter and buffer as its CPU copy (shared ones once, so that tied weights stay tied).
    """
    import copy
    import itertools

    import torch

    memo: dict[int, torch.Tensor] = {}
    for tensor in itertools.chain(module.parameters(), module.buffers()):
        if id(tensor) not in memo:
            moved = tensor.detach().to("cpu", copy=True)
            memo[id(tensor)] = (torch.nn.Parameter(moved, requires_grad=tensor.requires_grad)
                                if isinstance(tensor, torch.nn.Parameter) else moved)
    return copy.deepcopy(module, memo)
