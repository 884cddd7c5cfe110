"""How a network runs on the chosen device: memory format, precision, decode threads, transfers."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from tlgui.core.runtime.device import pick_device

if TYPE_CHECKING:
    from tlgui.core.backbones.preprocess import Preprocessing


def cpu_supports_bf16() -> bool:
    """True where oneDNN has native bfloat16 kernels (AVX-512 BF16 / AMX); elsewhere bf16 is slower."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def default_decode_workers() -> int:
    # Decoding is a small share of the work next to the forward pass; a couple of threads keep it
    # hidden without taking cores from the network.
    return max(1, min(4, (os.cpu_count() or 2)))


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` intra-op threads (process-wide), then restore the previous count.

    Tiny workloads (a linear head, a batch of one photo) finish each operator in microseconds;
    extra threads only add a barrier per operator, which costs a scheduler time slice whenever
    another program keeps the cores busy.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass
class InferenceSettings:
    """Device, precision and memory format for a forward pass, chosen once per run."""

    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    channels_last: bool = True
    autocast_dtype: torch.dtype | None = None
    decode_workers: int = field(default_factory=default_decode_workers)

    @classmethod
    def choose(cls, device: str = "auto", *, mixed_precision: bool = True) -> InferenceSettings:
        """CUDA: fp16 autocast. CPU: bf16 autocast only where the CPU runs it natively. MPS: fp32."""
        dev = pick_device(device)
        dtype = None
        if mixed_precision and dev.type == "cuda":
            dtype = torch.float16
        elif mixed_precision and dev.type == "cpu" and cpu_supports_bf16() and os.environ.get("TLGUI_CPU_BF16", "1") != "0":
            dtype = torch.bfloat16
        settings = cls(device=dev, channels_last=dev.type != "mps", autocast_dtype=dtype)
        if dev.type == "cuda":
            # The GPU outruns any one core at decoding JPEGs: give decoding every core.
            settings.decode_workers = max(1, os.cpu_count() or 1)
        return settings

    @property
    def extraction_batch_size(self) -> int:
        """Frozen-trunk batches: large on a GPU (throughput), modest on a CPU (memory, latency)."""
        return 128 if self.device.type == "cuda" else 32

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.autocast_dtype)

    def to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        if self.device.type == "cuda":
            # Pinned host memory lets the copy overlap with the previous batch's kernels.
            return tensor.pin_memory().to(self.device, non_blocking=True)
        return tensor.to(self.device)

    def memory_format_input(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            return x
        if self.channels_last:
            return x.contiguous(memory_format=torch.channels_last)
        return x.contiguous()

    def network_input(self, batch_uint8: torch.Tensor, prep: Preprocessing) -> torch.Tensor:
        """A uint8 Bx3xHxW batch as the network takes it: moved to the device, normalised there
        (a quarter of the bytes to copy), in the network's memory format."""
        return self.memory_format_input(prep.normalize(self.to_device(batch_uint8)))

    @property
    def most_photos_per_forward(self) -> int:
        """The most photos one frozen forward pass takes at once: twice the extraction batch. A
        network's activations grow with the photos it holds (about 15 MB a photo for
        EfficientNet-Lite0 on a CPU: 4.7 GB at 256, 60 GB at the largest batch size a user may
        choose), while speed stops growing long before."""
        return 2 * self.extraction_batch_size

    def forward_uint8(
        self, forward: Callable[[torch.Tensor], torch.Tensor], batch_uint8: torch.Tensor, prep: Preprocessing
    ) -> torch.Tensor:
        """``forward`` on a uint8 batch, without autograd, in the chosen precision and memory format:
        the one way every frozen forward pass (extraction, prediction) runs. A batch of more than
        ``most_photos_per_forward`` photos goes through in slices of that many, so memory does not
        grow with the batch size chosen."""
        with torch.inference_mode(), self.autocast():
            most = self.most_photos_per_forward
            if len(batch_uint8) <= most:
                return forward(self.network_input(batch_uint8, prep))
            return torch.cat([forward(self.network_input(part, prep)) for part in batch_uint8.split(most)])

    def prepare(self, net: torch.nn.Module) -> torch.nn.Module:
        net.to(self.device)
        if self.channels_last:
            net.to(memory_format=torch.channels_last)
        return net
