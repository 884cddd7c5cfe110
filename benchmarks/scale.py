"""5. Scale: a 100,000-file scan, a 50,000-vector feature cache.

(a) ``DataSet.add_folder`` on 100,000 distinct 8x8 PNGs in 10 class folders (written beforehand,
    not timed): seconds and files/s.
(b) A ``FeatureCache`` holding 50,000 float16 vectors of 1280 values (written beforehand): bytes on
    disk, time to load all of them with one ``get_many`` in a fresh cache object (a new session),
    and the memory the loaded arrays take (their bytes, and this process's resident-memory growth).

Predicting many photos is measured by ``predict_folder`` (``--only predict``).
"""

from __future__ import annotations

import shutil
import struct
import time
import zlib

import numpy as np

from benchmarks.common import Context, Row, dir_bytes, fmt_bytes, rss_bytes

NAME = "scale"
CLASSES = 10
FEATURE_DIM = 1280


# ---- (a) scanning ---------------------------------------------------------------------------------
def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def tiny_png(index: int, size: int = 8) -> bytes:
    """A valid size x size RGB PNG whose pixels encode ``index`` (so every file differs)."""
    rng = np.random.default_rng(index)
    pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    pixels[0, 0, :] = np.frombuffer(index.to_bytes(3, "big"), dtype=np.uint8)
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(raw, 1))
            + _png_chunk(b"IEND", b""))


def write_tree(root, n: int) -> None:
    for c in range(CLASSES):
        (root / f"class_{c:02d}").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        with open(root / f"class_{i % CLASSES:02d}" / f"img_{i:06d}.png", "wb") as f:
            f.write(tiny_png(i))


def measure_scan(ctx: Context, n: int) -> Row:
    from tlgui.core.data.bins import DataSet

    root = ctx.workdir / "scan-tree"
    t0 = time.perf_counter()
    write_tree(root, n)
    gen_s = time.perf_counter() - t0
    try:
        dataset = DataSet()
        t0 = time.perf_counter()
        report = dataset.add_folder(root)
        seconds = time.perf_counter() - t0
        if len(dataset) != n or report.skipped:
            raise RuntimeError(f"scan found {len(dataset)} of {n} files, skipped {len(report.skipped)}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return Row(f"scan {n:,} files (DataSet.add_folder)", n / seconds, "files/s",
               note=f"{seconds:.2f} s for {n:,} 8x8 PNGs in {CLASSES} classes (writing them took {gen_s:.1f} s, "
                    f"not counted); warm page cache")


# ---- (b) feature cache ----------------------------------------------------------------------------
def measure_cache(ctx: Context, n: int) -> list[Row]:
    from tlgui.core.training.feature_cache import FeatureCache

    root = ctx.workdir / "scale-cache"
    namespace = "bench|lite0|pre_logits|bf16"
    keys = [f"{i:032x}:0" for i in range(n)]
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    with FeatureCache(root, max_bytes=8 * 1024**3) as cache:
        for start in range(0, n, 1000):
            block = rng.standard_normal((min(1000, n - start), FEATURE_DIM)).astype(np.float16)
            cache.put_many(namespace, dict(zip(keys[start : start + len(block)], block, strict=True)))
    write_s = time.perf_counter() - t0
    disk = dir_bytes(root)
    payload = n * FEATURE_DIM * 2

    rss0 = rss_bytes()
    t0 = time.perf_counter()
    with FeatureCache(root) as cache:
        found = cache.get_many(namespace, keys)
    load_s = time.perf_counter() - t0
    rss_growth = rss_bytes() - rss0
    if len(found) != n:
        raise RuntimeError(f"the cache returned {len(found)} of {n} vectors")
    arrays = sum(a.nbytes for a in found.values())
    # What training does next: one array. Memory as that, for comparison.
    t1 = time.perf_counter()
    stacked = np.stack([found[k] for k in keys])
    stack_s = time.perf_counter() - t1
    del found, stacked
    shutil.rmtree(root, ignore_errors=True)
    return [
        Row(f"feature cache {n:,}×{FEATURE_DIM} fp16: disk", disk, "B", payload, "B", disk / payload,
            note=f"payload {fmt_bytes(payload)}; writing took {write_s:.1f} s (not counted)"),
        Row(f"feature cache: load all {n:,} (get_many)", n / load_s, "vec/s",
            note=f"{load_s:.2f} s in a fresh FeatureCache (includes LRU touch + CRC check); np.stack to one "
                 f"array {stack_s:.2f} s more"),
        Row("feature cache: memory of loaded arrays", arrays, "B", payload, "B", arrays / payload,
            note=f"process RSS grew {fmt_bytes(rss_growth)} during get_many"),
    ]


def run(ctx: Context) -> list[Row]:
    files = 2_000 if ctx.quick else 100_000
    vectors = 1_000 if ctx.quick else 50_000
    return [measure_scan(ctx, files), *measure_cache(ctx, vectors)]
