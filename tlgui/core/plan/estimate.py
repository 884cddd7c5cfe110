"""How long each freeze level will take on this computer, for these photos: measured, not assumed.

Three measurements make an estimate:

* the network's speed (``measure_network``): a few forward passes (inference, as extraction runs)
  and forward + backward passes (as training runs) of the real network at the run's batch size,
  precision and memory format, timed stage by stage so that the time of any freeze boundary is a
  sum. It depends on the backbone, the device, the torch version and its thread count, the batch
  size and the precision, never on the photos, so it is stored (``SpeedStore``, a small JSON file
  beside the feature cache) and measured again only when one of those changes;
* the decode speed of a few of the user's own photos (``measure_decode``), plain and augmented,
  with the run's decode threads: a camera's 12-megapixel JPEGs cost ten times a web thumbnail;
* how much is already in the feature cache (``cached_fraction``), from a sample of the photos'
  keys: a warm cache makes extraction free.

``estimate_plan`` combines them into the time of each level's run (``LevelEstimate``): the first
phase (the new head on pooled features, after which a usable model exists) and the whole run,
for every planned epoch; early stopping can only make a run shorter. Extraction overlaps decoding
with the network: on a CPU both share the cores, so their times add; on a GPU they run side by
side, so the slower one sets the pace.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import json
import math
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tlgui.core.backbones.catalogue import get_spec
from tlgui.core.backbones.preprocess import Preprocessing
from tlgui.core.backbones.staged import StagedNetwork, replace_head
from tlgui.core.data.bins import DataSet
from tlgui.core.errors import TlguiError
from tlgui.core.files.atomic import atomic_write_text
from tlgui.core.files.limits import loads_json_limited, read_limited
from tlgui.core.i18n import _
from tlgui.core.plan.freeze_plan import FreezePlan, plan_freeze, training_counts
from tlgui.core.plan.freezing import max_freeze_level
from tlgui.core.plan.recommend import partial_level
from tlgui.core.plan.regime import Regime
from tlgui.core.progress import CancelToken
from tlgui.core.runtime.folding import folded_for_inference
from tlgui.core.runtime.inference import InferenceSettings, torch_threads
from tlgui.core.training.cache_key import cache_namespace, current_stamps, entry_key, remembered_digests
from tlgui.core.training.config import TrainConfig, cached_views_of
from tlgui.core.training.data_checks import check_training_data
from tlgui.core.training.extraction import ViewRecipe, ViewRequest, pooled_batches
from tlgui.core.training.feature_cache import FeatureCache, default_cache_dir

STORE_NAME = "speed-v1.json"
# 2: the fastest timed pass is stored, not the mean (speeds stored before were slower); 3: with the
# one-off costs of a process's first run (``warmup_s``, ``train_warmup_s``, ``import_s``); 4: inference
# timed with the batch norms folded, as extraction runs it (``runtime.folding``); 5: with freed memory
# kept for reuse (``tlgui.host_memory``: on glibc, inference ~2x and training ~1.5x faster than before).
STORE_VERSION = 5
#: Networks x devices x batch sizes remembered; the least recently measured go first.
MAX_STORED = 32
#: Far above MAX_STORED entries of the deepest catalogue network (a few KB each).
MAX_STORE_BYTES = 1024 * 1024
#: Photos decoded to measure decoding (each plain and augmented).
DECODE_SAMPLE = 8
#: Keys looked up to judge how much of a namespace is cached.
CACHE_SAMPLE = 48
#: Timed passes of the whole network, after one untimed warm-up; the fastest is kept. Another
#: process on the machine only ever adds time to a pass, and the speed is stored for later runs: the
#: mean of two passes, measured while a second training ran, put trashnet's epochs at 18 s against
#: the 10.5 s they took (an estimate of 728 s for a run of 355 s).
TIMED_PASSES = 3
#: The head's training step takes well under a millisecond: timed at least this long, at most
#: ``MAX_STEP_PASSES`` times, the median kept.
MIN_TIMED_S = 0.2
MAX_STEP_PASSES = 5
#: The head is measured with this many classes: its cost hardly changes for any count a user has,
#: and the stored speed stays valid when a class is added.
MEASURED_CLASSES = 10
#: Below this share of the measuring thread's time on a core, a measurement was taken while other
#: programs ran (on this 2-core CPU, alone: 1.00 for EfficientNet-Lite0, 0.99 for a tiny network; beside
#: one busy loop: 0.65 and 0.67, a measurement that put a training pass at 130 ms a photo instead of 59-63).
MIN_CPU_SHARE = 0.8
#: Measurements of one network's speed while each was taken under load: after this many, the faster
#: of each is kept as it is. A computer that is always busy, or whose measuring thread never has a
#: core to itself, would otherwise measure again at every estimate: on a 2-core AMD EPYC virtual
#: machine, alone, shares of 0.82 to 0.88 in a plain process and 0.78 to 0.81 on the window's worker
#: thread, so the window measured EfficientNet-Lite0 again (about 25 s of both cores) at every estimate.
MAX_MEASUREMENTS = 3
#: What torch's optimisers import on their first step (torch.optim's dynamo guard): a process pays it
#: once, and a run in a fresh process (``tlgui train``) pays it before its first epoch.
OPTIMIZER_IMPORT = "torch._dynamo"


# ---- the network's speed ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SpeedKey:
    """What a network's speed depends on; one stored measurement per key."""

    backbone_id: str
    device: str  # the kind and the model of the processor, e.g. "cpu: Intel(R) Xeon(R) Processor"
    torch_version: str
    threads: int
    batch_size: int
    precision: str  # "fp32", "bfloat16" or "float16": the autocast the run uses
    channels_last: bool

    @classmethod
    def of(cls, backbone_id: str, settings: InferenceSettings, batch_size: int) -> SpeedKey:
        return cls(
            backbone_id=backbone_id,
            device=device_name(settings.device),
            torch_version=torch.__version__,
            threads=torch.get_num_threads(),
            batch_size=batch_size,
            precision=str(settings.autocast_dtype or "fp32").replace("torch.", ""),
            channels_last=settings.channels_last,
        )


@dataclass(frozen=True)
class NetworkSpeed:
    """Seconds per photo of each stage, at one batch size on one device.

    ``forward_s``: inference (no graph), as extraction and validation run it. ``train_s``: forward
    and backward in training mode, as the stages a run trains. ``step_s``: one whole training step
    of the new head alone (forward, loss, backward, optimiser) per batch: the head phase's epochs.
    ``setup_s``: copying the network onto the device, which a run does when it starts (and again to
    hand out the head's model while a fine-tune follows).

    What a process pays once, on its first run, beyond those rates (a few seconds that decide
    whether a small run's estimate is right): ``warmup_s``, the first inference pass's extra time
    (the kernels chosen and the memory allocated for a batch shape); ``train_warmup_s``, the same
    for the first training pass; ``import_s``, the import of ``torch._dynamo`` that torch's
    optimisers make on their first use (over a second on a 2-core CPU).
    """

    stage_names: tuple[str, ...]
    forward_s: tuple[float, ...]
    train_s: tuple[float, ...]
    step_s: float
    setup_s: float
    warmup_s: float = 0.0
    train_warmup_s: float = 0.0
    import_s: float = 0.0
    # Measured while other programs took the cores (on a CPU): the next estimate measures again,
    # until ``measurements`` (how many this speed keeps the fastest of) reaches MAX_MEASUREMENTS.
    contended: bool = False
    measurements: int = 1

    def until(self, boundary: int) -> float:
        """Inference through the stages before ``boundary``: one photo's activations to cache."""
        return sum(self.forward_s[:boundary])

    def inference_from(self, boundary: int) -> float:
        return sum(self.forward_s[boundary:])

    def train_from(self, boundary: int) -> float:
        return sum(self.train_s[boundary:])

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Any) -> NetworkSpeed:
        """ValueError unless ``data`` is what ``to_dict`` writes: names, and as many finite seconds."""
        if not isinstance(data, dict):
            raise ValueError("not a mapping")
        names = data.get("stage_names")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ValueError("no stage names")
        forward, train = _seconds(data.get("forward_s"), len(names)), _seconds(data.get("train_s"), len(names))
        step, setup, warmup, train_warmup, imports = _seconds(
            [data.get(k) for k in ("step_s", "setup_s", "warmup_s", "train_warmup_s", "import_s")], 5)
        contended = data.get("contended", False)
        if not isinstance(contended, bool):
            raise ValueError("not a flag")
        measurements = data.get("measurements", 1)  # absent from speeds stored before it was counted
        if isinstance(measurements, bool) or not isinstance(measurements, int) or not 1 <= measurements <= 1000:
            raise ValueError("not a count of measurements")
        return cls(tuple(names), forward, train, step, setup, warmup, train_warmup, imports, contended, measurements)


def _seconds(values: Any, count: int) -> tuple[float, ...]:
    if not isinstance(values, list) or len(values) != count:
        raise ValueError("wrong number of timings")
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not (0 <= value < 3600):
            raise ValueError("a timing is not a number of seconds")
        out.append(float(value))
    return tuple(out)


def device_name(device: torch.device) -> str:
    """The kind and the model of the processor a run computes on."""
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return f"mps: {platform.machine()}"
    return f"cpu: {_cpu_model()}"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def measure_network(
    net: StagedNetwork,
    settings: InferenceSettings,
    batch_size: int,
    input_size: int,
    *,
    cancel: CancelToken | None = None,
    passes: int = TIMED_PASSES,
    on_inference: Callable[[NetworkSpeed], None] | None = None,
) -> NetworkSpeed:
    """Time every stage of a copy of ``net`` (the caller's weights, modes and flags stay as they are),
    with a new head of ``MEASURED_CLASSES`` classes, as a run has.

    Whole passes of a batch of ``batch_size`` random images of ``input_size``, timed stage by stage:
    inference under the run's autocast, then forward and backward in training mode (the backward
    of each stage is timed by hooks on the activations between stages). One untimed pass of each
    first pays for kernel selection and memory allocation (its extra time is kept as the warm-up a
    process pays once); of ``passes`` timed ones, each stage's fastest time of each kind is kept.

    Once one inference pass is timed, the head's step is timed and ``on_inference`` is given the
    speed so far, whose training times are not measured yet (zeros): enough to time the head phase,
    while most of the training passes, most of the time on a CPU, are still to come.
    """
    check = (cancel or CancelToken()).raise_if_cancelled
    started = time.perf_counter()
    model = replace_head(copy.deepcopy(net), MEASURED_CLASSES)
    settings.prepare(model)
    _synchronize(settings)
    setup = time.perf_counter() - started
    model.requires_grad_(True)
    check()
    # Extraction and prediction infer through a copy with the batch norms folded: timed as they run.
    inference_model = folded_for_inference(model, input_size)
    x = torch.randn(batch_size, 3, input_size, input_size, generator=torch.Generator().manual_seed(0))
    x = settings.memory_format_input(x.to(settings.device))
    forward: list[list[float]] = []
    train: list[list[float]] = []
    wall_started, cpu_started = time.perf_counter(), time.thread_time()
    aside_wall = aside_cpu = 0.0  # the import, the head's step and on_inference: not the network's share
    imports = step = 0.0
    # Inference and training passes alternate: inference timed before any training pass runs is
    # slower (0.63-0.82 s a batch of EfficientNet-Lite0 on 2 cores, against 0.41-0.56 s after one:
    # the allocator has grown its heap), and a run's extraction goes at the later speed. An estimate
    # timed with the inference passes first put trashnet's run at 624 s; it took 330 s.
    for index in range(1 + max(1, passes)):  # the first of each kind is the warm-up
        forward.append(_inference_pass(inference_model, x, settings, check))
        if index == 1:  # an inference pass timed: the head phase can be timed now
            aside = time.perf_counter(), time.thread_time()
            imports = _optimizer_import_seconds()  # before the head's step, whose optimiser would make it
            step = _head_step_seconds(model.head, batch_size, settings)
            if on_inference is not None:
                on_inference(_speed_of(net, batch_size, forward, None, step, setup, imports))
            aside_wall, aside_cpu = time.perf_counter() - aside[0], time.thread_time() - aside[1]
        train.append(_training_pass(model, x, settings, check))
    contended = settings.device.type == "cpu" and _cpu_share(
        time.thread_time() - cpu_started - aside_cpu, time.perf_counter() - wall_started - aside_wall) < MIN_CPU_SHARE
    return replace(_speed_of(net, batch_size, forward, train, step, setup, imports), contended=contended)


def _speed_of(net: StagedNetwork, batch_size: int, forward: list[list[float]], train: list[list[float]] | None,
              step: float, setup: float, imports: float) -> NetworkSpeed:
    """The speed from the passes timed so far (each kind's first is its warm-up); without training
    passes (``train`` None), their times are zeros: enough for the head phase, which runs none."""
    fastest_forward = _fastest_per_stage(forward[1:])
    fastest_train = _fastest_per_stage(train[1:]) if train else [0.0 for _ in net.stage_names]
    return NetworkSpeed(
        stage_names=tuple(net.stage_names),
        forward_s=tuple(seconds / batch_size for seconds in fastest_forward),
        train_s=tuple(seconds / batch_size for seconds in fastest_train),
        step_s=step,
        setup_s=setup,
        warmup_s=max(0.0, sum(forward[0]) - sum(fastest_forward)),
        train_warmup_s=max(0.0, sum(train[0]) - sum(fastest_train)) if train else 0.0,
        import_s=imports,
    )


def _fastest_per_stage(passes: Sequence[Sequence[float]]) -> list[float]:
    """Each stage's least time over the timed passes. Per stage, not the pass of least total: another
    program only ever adds time, and a short stage's time varies most (the last two stages of
    EfficientNet-Lite0 took 0.06 to 0.17 s a batch to train in the pass of least total, on a 2-core
    CPU under a load of 1.6, putting trashnet's fine-tune at 874 s for a run of 332 s)."""
    return [min(times) for times in zip(*passes, strict=True)]


def _cpu_share(cpu_s: float, wall_s: float) -> float:
    """The share of the time the measuring thread ran: 1 when it had a core to itself. (It also waits
    for torch's other threads, so another program slowing them lowers it too; the whole process's
    share would not do: a small network keeps one of torch's threads busy, not all.)"""
    return cpu_s / max(wall_s, 1e-9)


def _optimizer_import_seconds() -> float:
    """How long the import torch's optimisers make on their first use takes: timed when this process
    has not made it yet, else 0 (unknown here)."""
    if OPTIMIZER_IMPORT in sys.modules:
        return 0.0
    started = time.perf_counter()
    importlib.import_module(OPTIMIZER_IMPORT)
    return time.perf_counter() - started


def _inference_pass(model: StagedNetwork, x: torch.Tensor, settings: InferenceSettings,
                    check: Callable[[], None]) -> list[float]:
    """Seconds of each stage of one inference pass; ``check`` (raising ``Cancelled`` on Stop) runs
    before each stage, outside the time."""
    model.eval()
    seconds = []
    with torch.inference_mode(), settings.autocast():
        for stage in model.stages.values():
            check()
            _synchronize(settings)
            started = time.perf_counter()
            x = stage(x)
            _synchronize(settings)
            seconds.append(time.perf_counter() - started)
    return seconds


def _training_pass(model: StagedNetwork, x: torch.Tensor, settings: InferenceSettings,
                   check: Callable[[], None]) -> list[float]:
    """Seconds of each stage of one training pass: its forward, plus its share of the backward
    (from the gradient reaching its output to the gradient of its input, or the end). ``check``
    runs before each stage's forward and as each stage's backward begins: a whole pass can take
    seconds on a slow CPU, and a Stop (Start pressed, the window closing) must not wait for it."""
    model.train()
    stages = list(model.stages.values())
    forward_s, outputs = [], []
    with settings.autocast():
        for stage in stages:
            check()
            _synchronize(settings)
            started = time.perf_counter()
            x = stage(x)
            _synchronize(settings)
            forward_s.append(time.perf_counter() - started)
            outputs.append(x)
    # When each stage's output received its gradient; the backward runs from the last stage down.
    reached: list[float] = [0.0] * len(stages)

    def recorder(index: int):
        def hook(grad: torch.Tensor) -> None:
            _synchronize(settings)
            reached[index] = time.perf_counter()
            check()  # raised out of backward() as it is (after the time is taken: a Stop ends the pass)

        return hook

    for index, output in enumerate(outputs):
        output.register_hook(recorder(index))
    loss = outputs[-1].float().mean()
    _synchronize(settings)
    started = time.perf_counter()
    loss.backward()
    _synchronize(settings)
    finished = time.perf_counter()
    model.zero_grad(set_to_none=True)
    # Stage i's backward ends where the gradient reaches the stage below it (stage 0's: the end).
    ends = [finished] + [reached[i - 1] for i in range(1, len(stages))]
    starts = [started if i == len(stages) - 1 else reached[i] for i in range(len(stages))]
    return [f + max(0.0, end - start) for f, start, end in zip(forward_s, starts, ends, strict=True)]


def _head_step_seconds(head: nn.Module, batch_size: int, settings: InferenceSettings) -> float:
    """One training step of the head alone, the way the head phase runs it (fp32, AdamW, a
    scheduler; one thread on a CPU)."""
    head = copy.deepcopy(head).float()
    optimizer = torch.optim.AdamW(head.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    features = torch.randn(batch_size, head.in_features, device=settings.device)
    targets = torch.randint(head.out_features, (batch_size,), device=settings.device)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    steps = 20  # each takes well under a millisecond: time several together

    def run() -> None:
        for _step in range(steps):
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(head(features), targets)
            float(loss.detach())
            loss.backward()
            optimizer.step()
            scheduler.step()

    threads = torch_threads(1) if settings.device.type == "cpu" else contextlib.nullcontext()
    with threads:
        return _median_time(run, settings) / steps


def _median_time(work: Callable[[], None], settings: InferenceSettings) -> float:
    _synchronize(settings)
    work()  # warm-up
    times: list[float] = []
    while not times or (sum(times) < MIN_TIMED_S and len(times) < MAX_STEP_PASSES):
        _synchronize(settings)
        started = time.perf_counter()
        work()
        _synchronize(settings)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _synchronize(settings: InferenceSettings) -> None:
    if settings.device.type == "cuda":
        torch.cuda.synchronize(settings.device)


class SpeedStore:
    """Measured network speeds, one per ``SpeedKey``, in a small JSON file beside the feature cache.

    It is a convenience, never a source of errors: a missing, unreadable, oversized or damaged file
    reads as empty (its speeds are measured again), and a file that cannot be written is skipped.
    Writes are atomic; at most ``MAX_STORED`` measurements are kept, the most recent ones.
    """

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else default_cache_dir() / STORE_NAME

    def get(self, key: SpeedKey) -> NetworkSpeed | None:
        for entry in self._entries():
            if entry.get("key") == asdict(key):
                with contextlib.suppress(ValueError):
                    return NetworkSpeed.from_dict(entry.get("speed"))
        return None

    def put(self, key: SpeedKey, speed: NetworkSpeed) -> None:
        kept = [e for e in self._entries() if e.get("key") != asdict(key)]
        kept.append({"key": asdict(key), "speed": speed.to_dict(), "measured": time.time()})
        document = {"version": STORE_VERSION, "speeds": kept[-MAX_STORED:]}
        with contextlib.suppress(OSError, TlguiError):
            atomic_write_text(self.path, _json_text(document))

    def _entries(self) -> list[dict]:
        try:
            document = loads_json_limited(read_limited(self.path, MAX_STORE_BYTES, what="speed file"))
        except (OSError, TlguiError):
            return []
        if not isinstance(document, dict) or document.get("version") != STORE_VERSION:
            return []
        speeds = document.get("speeds")
        return [e for e in speeds if isinstance(e, dict)] if isinstance(speeds, list) else []


def _json_text(document: dict) -> str:
    return json.dumps(document, indent=1) + "\n"


def network_speed(
    net: StagedNetwork,
    settings: InferenceSettings,
    batch_size: int,
    input_size: int,
    store: SpeedStore,
    *,
    cancel: CancelToken | None = None,
    on_inference: Callable[[NetworkSpeed], None] | None = None,
) -> tuple[NetworkSpeed, bool]:
    """(the network's speed, whether it was measured just now): the stored one when its key and
    stages match, else measured and stored (``on_inference``: as ``measure_network``'s, when it is).

    A speed measured while other programs took the cores is measured again at the next estimate,
    each stage keeping the faster of the two, until a measurement has the cores to itself: one
    measurement under load would otherwise slow every later estimate down (a partial fine-tune put
    at 19.6 s took 8.0 s). After ``MAX_MEASUREMENTS`` the faster of each is kept as it is.
    """
    key = SpeedKey.of(net.backbone_id, settings, batch_size)
    stored = store.get(key)
    same_stages = stored is not None and stored.stage_names == tuple(net.stage_names)
    if same_stages and (not stored.contended or stored.measurements >= MAX_MEASUREMENTS):
        return stored, False
    speed = measure_network(net, settings, batch_size, input_size, cancel=cancel, on_inference=on_inference)
    if not speed.import_s and stored is not None:
        # This process had made the import already (the window warms it up): keep the one timed before.
        speed = replace(speed, import_s=stored.import_s)
    if same_stages:
        speed = replace(_faster_of(speed, stored), measurements=stored.measurements + 1)
    store.put(key, speed)
    return speed, True


def _faster_of(new: NetworkSpeed, old: NetworkSpeed) -> NetworkSpeed:
    """Each stage's faster time of two measurements (another program only ever adds time)."""
    def least(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(_fastest_per_stage([a, b]))

    return replace(new, forward_s=least(new.forward_s, old.forward_s), train_s=least(new.train_s, old.train_s),
                   step_s=min(new.step_s, old.step_s), setup_s=min(new.setup_s, old.setup_s))


# ---- the photos ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DecodeSpeed:
    """Wall seconds per photo to read, decode and crop (``plain_s``) or augment (``augmented_s``)
    one of the user's photos, with the run's decode threads working side by side."""

    plain_s: float
    augmented_s: float


def sample_photos(paths: Sequence[Path], count: int = DECODE_SAMPLE) -> list[Path]:
    """``count`` photos spread evenly over ``paths`` (the same ones every time)."""
    ordered = sorted(paths)
    if len(ordered) <= count:
        return ordered
    step = len(ordered) / count
    return [ordered[int(i * step)] for i in range(count)]


def measure_decode(paths: Sequence[Path], recipe: ViewRecipe, workers: int, *,
                   cancel: CancelToken | None = None) -> DecodeSpeed:
    """Decode ``paths`` plainly and as an augmented view, timed; unreadable photos are left out.
    Raises ``Cancelled`` soon after ``cancel`` is set (a photo on a slow disk included)."""
    if not paths:
        return DecodeSpeed(0.0, 0.0)

    def per_photo(view: int) -> float:
        requests = [ViewRequest(Path(p), view) for p in paths]
        started = time.perf_counter()
        done = sum(len(good) for good, _, _ in pooled_batches(requests, recipe.make, len(requests), workers,
                                                                cancel=cancel))
        return (time.perf_counter() - started) / max(1, done)

    per_photo(0)  # warm-up: imports, the decoders' first allocations, the files into the page cache
    return DecodeSpeed(plain_s=per_photo(0), augmented_s=per_photo(1))


@dataclass(frozen=True)
class CacheShare:
    """How much of a namespace a run will find cached, and what finding one entry costs (looking
    its photo up, reading and checking it)."""

    fraction: float = 0.0
    read_s: float = 0.0


def cached_fraction(
    cache: FeatureCache | None, namespace: str, requests: Sequence[ViewRequest], sample: int = CACHE_SAMPLE
) -> CacheShare:
    """The share of ``requests`` already in ``namespace``, judged from a fixed sample of them.

    A photo whose digest is not remembered counts as missing (the run reads and hashes it first).
    """
    if cache is None or not requests:
        return CacheShare()
    try:
        if not cache.count(namespace):
            return CacheShare()
    except TlguiError:
        return CacheShare()
    chosen = random.Random(0).sample(list(requests), min(sample, len(requests)))
    started = time.perf_counter()
    digests = remembered_digests(cache, current_stamps({r.path for r in chosen}))
    keys = [entry_key(digests[r.path], r.view) for r in chosen if r.path in digests]
    found = len(cache.get_many(namespace, keys))
    return CacheShare(found / len(chosen), (time.perf_counter() - started) / len(chosen))


# ---- the estimate ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LevelEstimate:
    """The time of a run at one freeze level: until the first usable model, and in all.

    ``total_s`` counts every planned epoch of both phases; early stopping can only shorten it.
    """

    level: int
    name: str
    regime: Regime
    first_model_s: float
    total_s: float
    hand_set: bool = False  # the level with the user's hand-set layers, not the plain dial level


@dataclass(frozen=True)
class PlanEstimate:
    """What each level would cost for these photos on this computer; ``chosen`` is the plan's."""

    device: str
    chosen: LevelEstimate
    alternatives: tuple[LevelEstimate, ...]  # the other levels worth comparing, fastest first
    measured_now: bool  # the network's speed was measured for this estimate (not stored before)
    head_cached: float  # the share of the head phase's features already in the cache (0 to 1)

    @property
    def levels(self) -> tuple[LevelEstimate, ...]:
        return tuple(sorted((self.chosen, *self.alternatives), key=lambda e: e.level))

    def dial_totals(self) -> dict[int, float]:
        """Seconds of a whole run at each plain dial level estimated (hand-set layers left out)."""
        return {e.level: e.total_s for e in self.levels if not e.hand_set}


@dataclass(frozen=True)
class FirstModelEstimate:
    """When the first usable model (the new head) comes, known before the rest of an estimate: from
    the network's inference passes, before its training passes are measured."""

    device: str
    first_model_s: float


@dataclass(frozen=True)
class Workload:
    """How many photos a run computes, how often."""

    train: int
    val: int
    views: int  # cached views per training photo in the head phase (1 + K augmented ones)
    epochs: int
    batch_size: int
    augment: bool
    fine_tune_views: int = 1  # cached views per training photo of a partial fine-tune on the cache

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.train / self.batch_size)


@dataclass(frozen=True)
class Rates:
    """What the estimate is computed from."""

    network: NetworkSpeed
    decode: DecodeSpeed
    overlapped: bool  # decoding runs beside the network (a GPU) rather than on the same cores
    # The run's process has already run the network at this batch size (no first-pass warm-up), and
    # made the optimisers' first import: the window after measuring, never a fresh ``tlgui train``.
    warm: bool = False
    imported: bool = False

    def extract(self, boundary: int, augmented: bool) -> float:
        """Seconds per photo to decode one view and compute its activations at ``boundary``."""
        return self.combine(self.decode.augmented_s if augmented else self.decode.plain_s, self.network.until(boundary))

    def combine(self, decode_s: float, compute_s: float) -> float:
        return max(decode_s, compute_s) if self.overlapped else decode_s + compute_s


def level_time(
    work: Workload, rates: Rates, plan: FreezePlan, head_boundary: int, cached: Callable[[int], CacheShare],
    use_cache: bool,
) -> tuple[float, float]:
    """(seconds until the first usable model, seconds in all) of a run planned as ``plan``.

    ``cached(boundary)`` says how much of that boundary's features the cache holds.
    """
    net = rates.network
    plain = work.train + work.val  # view 0 of every photo

    def features(boundary: int, views: int) -> float:
        share = cached(boundary)
        augmented = work.train * (views - 1)
        computed = plain * rates.extract(boundary, False) + augmented * rates.extract(boundary, True)
        # Features to compute are computed by a copy of the network with its batch norms folded.
        folding = net.setup_s if share.fraction < 1 else 0.0
        return folding + (1 - share.fraction) * computed + share.fraction * (plain + augmented) * share.read_s

    head_epochs = work.epochs * (work.steps_per_epoch * net.step_s + work.val * net.inference_from(head_boundary))
    # Once per process: the optimiser's import, and the first pass's warm-up where features are computed.
    once = (0.0 if rates.imported else net.import_s) + (
        0.0 if rates.warm or cached(head_boundary).fraction >= 1 else net.warmup_s)
    first_model = net.setup_s + once + features(head_boundary, work.views) + head_epochs
    if plan.regime is Regime.HEAD:
        return first_model, first_model
    boundary = plan.first_trainable_stage
    # The first training pass's warm-up, for the part of the network this run trains.
    train_warmup = 0.0 if rates.warm else net.train_warmup_s * net.train_from(boundary) / max(net.train_from(0), 1e-9)
    handed_out = first_model + net.setup_s + train_warmup  # the head's model is copied for the caller
    if use_cache and boundary > 0:
        epoch = work.train * net.train_from(boundary) + work.val * net.inference_from(boundary)
        return first_model, handed_out + features(boundary, work.fine_tune_views) + work.epochs * epoch
    # Streamed: every epoch decodes (augmented afresh) and runs the frozen trunk without a graph;
    # validation photos are decoded once and kept.
    decode = rates.decode.augmented_s if work.augment else rates.decode.plain_s
    train = rates.combine(decode, net.until(boundary) + net.train_from(boundary))
    epoch = work.train * train + work.val * net.inference_from(0)
    return first_model, handed_out + work.val * rates.decode.plain_s + work.epochs * epoch


def estimate_plan(
    dataset: DataSet,
    config: TrainConfig,
    net: StagedNetwork,
    *,
    cache: FeatureCache | None = None,
    store: SpeedStore | None = None,
    preprocessing: Preprocessing | None = None,
    cancel: CancelToken | None = None,
    new_process: bool = False,
    on_first_model: Callable[[FirstModelEstimate], None] | None = None,
) -> PlanEstimate:
    """How long the planned level and its alternatives (head only, the recommended partial level,
    everything) take for ``dataset`` under ``config`` with ``net`` on this computer.

    ``on_first_model``: called, when the network's speed must be measured, with the time until the
    first usable model as soon as that is known, before the training passes (most of a measurement
    on a CPU: 12 of 16 s for EfficientNet-Lite0 on 2 cores) are timed.

    ``new_process``: the run will start in another process (``tlgui train --plan`` says what a later
    ``tlgui train`` takes), which pays the one-off costs of a first run that this one may have paid.

    ``cache`` is the feature cache the run will use (default: the user's, when ``config.use_cache``);
    ``store`` keeps network speeds between calls (default: beside the user's feature cache).
    Raises DataError when there is nothing to train on yet, Cancelled when ``cancel`` is set.
    """
    with contextlib.ExitStack() as opened:
        if cache is None and config.use_cache:
            cache = opened.enter_context(FeatureCache())  # for this estimate only: closed after it, leaving no log
        return _estimate_plan(dataset, config, net, cache, store, preprocessing, cancel, new_process, on_first_model)


def _estimate_plan(dataset: DataSet, config: TrainConfig, net: StagedNetwork, cache: FeatureCache | None,
                   store: SpeedStore | None, preprocessing: Preprocessing | None, cancel: CancelToken | None,
                   new_process: bool, on_first_model: Callable[[FirstModelEstimate], None] | None) -> PlanEstimate:
    # What training itself would refuse is refused the same way, before anything is measured.
    _names, train_items, val_items = check_training_data(dataset, config)
    counts = training_counts(dataset, config)
    settings = InferenceSettings.choose(config.device, mixed_precision=config.mixed_precision)
    prep = preprocessing if preprocessing is not None else get_spec(net.backbone_id).preprocessing
    if store is None:
        store = SpeedStore(cache.root / STORE_NAME if cache is not None else None)
    recipe = ViewRecipe(prep, config.augment_strength, config.seed)
    decode = measure_decode(sample_photos([i.path for i in train_items]), recipe, settings.decode_workers,
                            cancel=cancel)

    def rates_of(speed: NetworkSpeed, measured_now: bool) -> Rates:
        return Rates(speed, decode, overlapped=settings.device.type != "cpu",
                     warm=measured_now and not new_process,
                     imported=OPTIMIZER_IMPORT in sys.modules and not new_process)

    def first_model_known(inference: NetworkSpeed) -> None:
        # The head phase runs no training pass of the network: its time is known from these.
        first_model, _total = level_time(work, rates_of(inference, True), chosen_plan, head_boundary, cached,
                                         config.use_cache)
        on_first_model(FirstModelEstimate(device_name(settings.device), first_model))

    views = 1 + cached_views_of(config, Regime.HEAD)
    work = Workload(len(train_items), len(val_items), views, config.epochs, config.batch_size, config.augment,
                    fine_tune_views=1 + cached_views_of(config, Regime.PARTIAL))

    precision = str(settings.autocast_dtype or "fp32")
    shares: dict[int, CacheShare] = {}
    head_boundary = len(net.stages) - 1

    def cached(boundary: int) -> CacheShare:
        if boundary not in shares:
            # The head's pooled features hold its views; a fine-tune's boundary holds the fine-tune's.
            count = work.views if boundary == head_boundary else work.fine_tune_views
            requests = [ViewRequest(i.path, v) for i in train_items for v in range(count)]
            requests += [ViewRequest(i.path, 0) for i in val_items]
            namespace = cache_namespace(net, boundary, recipe.key(), precision) if cache is not None else ""
            shares[boundary] = cached_fraction(cache, namespace, requests)
        return shares[boundary]

    chosen_plan = plan_freeze(net, counts, config)
    speed, measured_now = network_speed(
        net, settings, config.batch_size, prep.input_size, store, cancel=cancel,
        on_inference=first_model_known if on_first_model is not None else None)
    rates = rates_of(speed, measured_now)

    def estimate(plan: FreezePlan) -> LevelEstimate:
        first, total = level_time(work, rates, plan, head_boundary, cached, config.use_cache)
        hand_set = bool(plan.overrides)
        name = _("{level} (with hand-set layers)").format(level=plan.level_name) if hand_set else plan.level_name
        return LevelEstimate(plan.level, name, plan.regime, first, total, hand_set)

    chosen = estimate(chosen_plan)
    others = []
    for level in sorted({0, partial_level(net), max_freeze_level(net)}):
        if level == chosen_plan.level and not chosen_plan.overrides:
            continue
        others.append(estimate(plan_freeze(net, counts, replace(config, freeze_level=level, trainable_overrides={}))))
    return PlanEstimate(
        device=device_name(settings.device),
        chosen=chosen,
        alternatives=tuple(sorted(others, key=lambda e: e.total_s)),
        measured_now=measured_now,
        head_cached=cached(head_boundary).fraction,
    )
