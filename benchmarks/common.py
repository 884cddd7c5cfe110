"""What every measurement shares: the result row, the run context, timing and machine helpers."""

from __future__ import annotations

import copy
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMAGE_SUFFIXES = (".jpg", ".jpeg")  # what both torchvision's ImageFolder and the app read alike


class Skip(Exception):
    """A measurement that cannot run here (dataset absent, no mixed precision...): reported, not failed."""


def require_window_toolkit() -> None:
    """Skip, before any work, a measurement of the window where Qt's widgets cannot load: PySide6
    not installed (a GPU server with its own Python, say), or installed without the system libraries
    it needs. The rest of the run goes on without it."""
    try:
        import PySide6.QtWidgets  # noqa: F401
    except ImportError as exc:
        raise Skip(f"Qt's widgets cannot be loaded here ({exc}): the window cannot be measured") from exc


#: How far a time the plan estimated may be from the time taken, either way (the issue's "within ×2").
ESTIMATE_FACTOR = 2.0


def within_estimate(actual: float, predicted: float) -> bool:
    """Whether ``actual`` is within ``ESTIMATE_FACTOR`` of the estimate ``predicted``, either way."""
    return predicted > 0 and 1 / ESTIMATE_FACTOR <= actual / predicted <= ESTIMATE_FACTOR


def decode_ceiling(times: Timings, items: int, decode: str, model: str, device_type: str) -> tuple[float, str]:
    """The most of the network's own speed a pipeline that decodes ``items`` photos can reach, and how
    it follows from the rounds ``decode`` (decoding alone) and ``model`` (the forward alone). On a
    CPU both share the cores: model / (model + decode) CPU time. A GPU's forward runs beside the
    decoding threads, and the slower of the two sets the pace: min(1, decode / model throughput)."""
    if device_type == "cpu":
        decode_ms, model_ms = (min(times.cpu[name]) / items * 1000 for name in (decode, model))
        ceiling = model_ms / (model_ms + decode_ms)
        return ceiling, (f"decode alone {decode_ms:.1f} CPU ms per photo vs model {model_ms:.1f}: ceiling with both "
                         f"on the same cores, model / (model + decode) CPU = {ceiling:.2f}")
    decode_rate, model_rate = times.best_rate(decode, items), times.best_rate(model, items)
    ceiling = min(1.0, decode_rate / model_rate)
    return ceiling, (f"decode alone {decode_rate:.0f} img/s vs model {model_rate:.0f} img/s on the {device_type}: "
                     f"ceiling min(1, decode / model) = {ceiling:.2f}")


# ---- result rows --------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the table. ``met`` is None where the issue sets no target."""

    measurement: str
    value: float | None
    unit: str = ""
    reference: float | None = None
    ref_unit: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    module: str = ""
    extra: dict = field(default_factory=dict)  # supporting numbers, JSON only

    def to_dict(self) -> dict:
        return asdict(self)

    def cells(self) -> list[str]:
        return [
            self.measurement,
            fmt_value(self.value, self.unit),
            fmt_value(self.reference, self.ref_unit or self.unit),
            "—" if self.ratio is None else f"{self.ratio:.2f}x",
            self.target or "—",
            {True: "yes", False: "NO", None: "—"}[self.met],
        ]


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "B":
        return fmt_bytes(value)
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 0.1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def ratio_row(
    measurement: str,
    value: float,
    reference: float,
    unit: str,
    *,
    at_least: float | None = None,
    note: str = "",
) -> Row:
    """value / reference, met when the ratio is at least ``at_least``."""
    ratio = value / reference if reference else None
    met = None if at_least is None or ratio is None else ratio >= at_least
    target = f"≥ {at_least:g}x" if at_least is not None else ""
    return Row(measurement, value, unit, reference, unit, ratio, target, met, note)


# ---- the run ------------------------------------------------------------------------------------
@dataclass
class Context:
    """Options of the run plus artifacts shared between measurements (built at most once)."""

    device: str
    quick: bool
    workdir: Path
    datasets: Path
    log: Callable[[str], None] = print
    shared: dict = field(default_factory=dict)

    @property
    def rounds(self) -> dict:
        """Side-by-side repetitions of a throughput pair (``interleaved`` options)."""
        return {"rounds": 1} if self.quick else {"rounds": 2, "max_rounds": 6, "budget_s": 25.0}

    # ---- data -------------------------------------------------------------------------------
    def hymenoptera(self) -> Path:
        path = self.datasets / "hymenoptera"
        if not (path / "train").is_dir() or not (path / "val").is_dir():
            raise Skip(f"{path} is not available")
        return path

    def hymenoptera_jpegs(self) -> list[Path]:
        """Every hymenoptera JPEG (train and val), sorted."""
        return sorted(p for p in self.hymenoptera().rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)

    def image_subset(self, n: int) -> list[Path]:
        """A fixed set of ``n`` hymenoptera JPEGs, half ants half bees, train first then val."""
        root = self.hymenoptera()
        per_class = {}
        for label in ("ants", "bees"):
            files = []
            for split in ("train", "val"):
                files += sorted(
                    p for p in (root / split / label).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
                )
            per_class[label] = files
        half = n // 2
        chosen = per_class["ants"][:half] + per_class["bees"][: n - half]
        if len(chosen) < n:
            raise Skip(f"hymenoptera has fewer than {n} JPEGs")
        return chosen

    def hymenoptera_dataset(self, train_per_class: int | None = None, val_per_class: int | None = None):
        """The class bins for hymenoptera (train/val as given); a fresh copy each call.

        ``train_per_class`` / ``val_per_class`` keep only the first that many train / val photos of
        each class (sorted by path).
        """
        if "dataset" not in self.shared:
            from tlgui.core.data.bins import DataSet

            dataset = DataSet()
            dataset.add_folder(self.hymenoptera())
            self.shared["dataset"] = dataset
        dataset = copy.deepcopy(self.shared["dataset"])
        drop = []
        for split, keep in (("train", train_per_class), ("val", val_per_class)):
            if keep is None:
                continue
            for label in dataset.class_names:
                items = sorted((i for i in dataset.items(label) if i.split == split), key=lambda i: i.path)
                drop += [i.path for i in items[keep:]]
        if drop:
            dataset.remove_items(drop)
        return dataset

    # ---- engine objects -----------------------------------------------------------------------
    def settings(self, *, mixed_precision: bool = True):
        from tlgui.core.runtime.inference import InferenceSettings

        return InferenceSettings.choose(self.device, mixed_precision=mixed_precision)

    def backbone(self):
        """A fresh copy of the bundled EfficientNet-Lite0 (ImageNet head on), fp32, on the CPU."""
        if "backbone" not in self.shared:
            from tlgui.core.backbones.catalogue import DEFAULT_BACKBONE, create_backbone

            self.shared["backbone"] = create_backbone(DEFAULT_BACKBONE).eval()
        return copy.deepcopy(self.shared["backbone"])

    def head_cache_dir(self) -> Path:
        """A feature-cache folder already holding hymenoptera's head-only activations."""
        if "head_cache_dir" not in self.shared:
            self.trained_classifier()
        return self.shared["head_cache_dir"]

    def trained_classifier(self):
        """A head-only classifier for hymenoptera with the default settings (trained once).

        Reuses the model file of the ``train`` measurement when it ran; else trains in this process.
        """
        if "classifier" in self.shared:
            return copy.deepcopy(self.shared["classifier"])
        from tlgui.core.models.modelfile import load_classifier

        if "model_file" in self.shared:
            self.shared["classifier"] = load_classifier(self.shared["model_file"])
            return copy.deepcopy(self.shared["classifier"])
        from tlgui.core.models.modelfile import save_classifier
        from tlgui.core.training.feature_cache import FeatureCache
        from tlgui.core.training.trainer import TrainConfig, train

        cache_dir = self.workdir / "head-cache"
        self.log("  (training a head-only hymenoptera classifier for the measurements that need one)")
        with FeatureCache(cache_dir) as cache:
            config = TrainConfig(device=self.device, freeze_level=0, epochs=3 if self.quick else 30)
            result = train(self.hymenoptera_dataset(), config, backbone=self.backbone(), cache=cache)
        path = self.workdir / "head-model.safetensors"
        save_classifier(result.classifier, path)
        self.shared["head_cache_dir"] = cache_dir
        self.shared["model_file"] = path
        self.shared["classifier"] = load_classifier(path)
        return copy.deepcopy(self.shared["classifier"])

    def speed_classifier(self):
        """A classifier for speed measurements: the trained one when there is one already, else the
        bundled backbone with a fresh 2-class head (same network, same cost; no training needed)."""
        if "classifier" in self.shared or "model_file" in self.shared:
            return self.trained_classifier()
        from tlgui.core.backbones.catalogue import get_spec
        from tlgui.core.backbones.staged import replace_head
        from tlgui.core.models.classifier import Classifier

        net = replace_head(self.backbone(), 2).eval()
        return Classifier(net, ["ants", "bees"], net.backbone_id, get_spec(net.backbone_id).preprocessing)

    def speed_model_file(self) -> Path:
        """A model file of ``speed_classifier``."""
        if "model_file" in self.shared:
            return self.shared["model_file"]
        path = self.workdir / "speed-model.safetensors"
        if not path.exists():
            from tlgui.core.models.modelfile import save_classifier

            save_classifier(self.speed_classifier(), path)
        return path


# ---- timing -------------------------------------------------------------------------------------
def cpu_seconds() -> float:
    """CPU time of this process (all threads) plus its finished children (DataLoader workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass
class Timings:
    """Wall and CPU seconds of every run of each side of an ``interleaved`` comparison."""

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]

    def __getitem__(self, name: str) -> list[float]:
        return self.wall[name]

    def best_rate(self, name: str, items: int) -> float:
        """Items per second in the least disturbed (fastest) round."""
        return items / min(self.wall[name])

    def cpu_rate(self, name: str, items: int) -> float:
        """Items per CPU-second (best round): insensitive to how much of the machine others took."""
        return items / min(self.cpu[name])

    def rounds(self) -> int:
        return len(next(iter(self.wall.values())))


def compare(timings: Timings, items: int, value: str, reference: str, labels: tuple[str, str]) -> tuple[float, float, str, dict]:
    """Best-round rates of two interleaved sides, a note listing every round, and JSON extras
    (including the ratio per CPU-second, a cross-check that other processes' load hardly moves)."""
    a, b = timings.best_rate(value, items), timings.best_rate(reference, items)
    ca, cb = timings.cpu_rate(value, items), timings.cpu_rate(reference, items)
    note = (
        f"best of {timings.rounds()} interleaved rounds ({labels[0]}: "
        + ", ".join(f"{items / t:.1f}" for t in timings.wall[value])
        + f"; {labels[1]}: "
        + ", ".join(f"{items / t:.1f}" for t in timings.wall[reference])
        + f" img/s); per CPU-second {ca:.1f} vs {cb:.1f} img/s = {ca / cb:.2f}x"
    )
    extra = {"wall_s": timings.wall, "cpu_s": timings.cpu, "cpu_ratio": ca / cb, "items": items}
    return a, b, note, extra


def interleaved(
    runs: dict[str, Callable[[], object]], *, rounds: int, max_rounds: int | None = None, budget_s: float = 0.0
) -> Timings:
    """Run each callable once per round, alternating, and return the seconds of every run.

    Alternating means that load from other processes hits both sides alike; the best round of each
    side is the least disturbed one. At least ``rounds`` rounds; more (up to ``max_rounds``) while
    the whole thing has taken less than ``budget_s``, which makes the best rounds more trustworthy
    on a fast machine without making a slow one wait much longer.
    """
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    started = time.perf_counter()
    done = 0
    while done < rounds or (done < (max_rounds or rounds) and time.perf_counter() - started < budget_s):
        for name, fn in runs.items():
            c0 = cpu_seconds()
            t0 = time.perf_counter()
            fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(cpu_seconds() - c0)
        done += 1
    return Timings(wall, cpu)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def sync(device) -> None:
    """Wait for queued GPU work so that a timer measures it."""
    import torch

    if getattr(device, "type", str(device)) == "cuda":
        torch.cuda.synchronize()


def run_python(
    code_or_args: str | list[str], *, timeout: float = 600, env: dict | None = None, cwd: Path = REPO
) -> tuple[float, subprocess.CompletedProcess]:
    """Run ``python -c code`` (a str) or ``python ARGS`` (a list); wall seconds and the result."""
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else [sys.executable, *code_or_args]
    t0 = time.perf_counter()
    proc = subprocess.run(
        args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout)[-2000:]
        raise RuntimeError(f"subprocess failed ({proc.returncode}): {' '.join(args[1:3])}...\n{tail}")
    return wall, proc


def rss_bytes() -> int:
    """Resident memory of this process now (0 where ``/proc`` does not tell it)."""
    from tlgui.host_memory import resident_bytes

    return resident_bytes() or 0


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---- machine ------------------------------------------------------------------------------------
def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def device_info(device: str) -> dict:
    import torch

    from tlgui.core.runtime.inference import InferenceSettings, cpu_supports_bf16

    cpu = platform.processor() or platform.machine()
    flags: set[str] = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu in ("", platform.machine()):
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                if flags and cpu not in ("", platform.machine()):
                    break
    except OSError:
        pass
    settings = InferenceSettings.choose(device)
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "bf16_kernels": cpu_supports_bf16(),
        "avx512_bf16": "avx512_bf16" in flags,
        "amx": "amx_bf16" in flags and "amx_tile" in flags,
        "device": str(settings.device),
        "autocast": str(settings.autocast_dtype).replace("torch.", "") if settings.autocast_dtype else "fp32",
        "channels_last": settings.channels_last,
        "decode_workers": settings.decode_workers,
        "load_average_start": load_average(),
    }
    if settings.device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(settings.device)
    return info
