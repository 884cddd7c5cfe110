"""The memory budget every photo decode draws from, and what a decode reserves from it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import tracemalloc
from contextlib import contextmanager

import numpy as np
import pytest
from PIL import Image

from tlgui.core.data import decode_memory, images
from tlgui.core.data.decode_memory import GiB, MemoryBudget, MiB, default_capacity
from tlgui.core.data.images import decode_peak_bytes, load_rgb, to_rgb


def _start(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _waits(thread: threading.Thread, seconds: float = 0.3) -> bool:
    thread.join(seconds)
    return thread.is_alive()


# ---- the budget ---------------------------------------------------------------------------------
def test_reservations_that_fit_are_held_together():
    budget = MemoryBudget(100)
    with budget.reserve(40), budget.reserve(60):
        assert budget.held == 100
    assert budget.held == 0


def test_a_reservation_that_does_not_fit_waits_for_a_release():
    budget = MemoryBudget(100)
    got = threading.Event()

    def second():
        with budget.reserve(50):
            got.set()

    with budget.reserve(60):
        thread = _start(second)
        assert _waits(thread) and not got.is_set()
    thread.join(5)
    assert got.is_set() and budget.held == 0


def test_one_larger_than_the_budget_runs_alone_once_nothing_is_held():
    budget = MemoryBudget(100)
    seen = []

    def giant():
        with budget.reserve(1_000):
            seen.append(budget.held)

    with budget.reserve(1):
        thread = _start(giant)
        assert _waits(thread)
    thread.join(5)
    assert seen == [1_000]


def test_first_come_first_served_a_large_one_is_not_overtaken():
    budget = MemoryBudget(100)
    order = []

    def take(name, nbytes):
        def run():
            with budget.reserve(nbytes):
                order.append(name)
        return run

    with budget.reserve(30):
        large = _start(take("large", 90))
        time.sleep(0.1)  # the large one is in line first
        small = _start(take("small", 10))  # would fit now, beside the 30 held
        assert _waits(small, 0.2)
    large.join(5), small.join(5)
    assert order == ["large", "small"]


def test_a_failure_inside_releases_the_reservation():
    budget = MemoryBudget(100)
    with pytest.raises(RuntimeError), budget.reserve(80):
        raise RuntimeError("decode failed")
    assert budget.held == 0


def test_the_budget_is_an_eighth_of_memory_within_bounds():
    assert default_capacity(24 * GiB) == 2 * GiB
    assert default_capacity(8 * GiB) == 1 * GiB
    assert default_capacity(2 * GiB) == 512 * MiB
    assert decode_memory.MIN_CAPACITY <= default_capacity() <= decode_memory.MAX_CAPACITY


# ---- what a decode reserves ---------------------------------------------------------------------
def _jpeg(tmp_path, name, size=(800, 600), **params):
    path = tmp_path / name
    Image.new("RGB", size, (90, 140, 200)).save(path, quality=90, **params)
    return path


def _opened(path):
    data = path.read_bytes()
    return images._open_bytes(path, data), data


def test_a_progressive_jpeg_reserves_its_coefficients_whatever_the_draft_scale(tmp_path):
    # 4:2:0 at 800x600: luma 100x75 blocks, each chroma 50x38, 128 bytes a block.
    coefficients = (100 * 75 + 2 * 50 * 38) * 128
    im, data = _opened(_jpeg(tmp_path, "p.jpg", progressive=True, subsampling=2))
    assert images._jpeg_coefficient_bytes(data) == coefficients
    im.draft(None, (64, 64))
    assert im.size == (100, 75)
    assert decode_peak_bytes(im, data, to_rgb=True) == 100 * 75 * 4 + coefficients


def test_a_baseline_jpeg_reserves_only_its_pixels(tmp_path):
    im, data = _opened(_jpeg(tmp_path, "b.jpg"))
    assert images._jpeg_coefficient_bytes(data) == 0
    assert decode_peak_bytes(im, data, to_rgb=True) == 800 * 600 * 4


def test_a_sixteen_bit_image_reserves_its_pixels_and_their_conversion(tmp_path):
    path = tmp_path / "g16.png"
    Image.fromarray(np.zeros((30, 40), np.uint16)).save(path)
    im, data = _opened(path)
    assert im.mode.startswith("I;16")
    assert decode_peak_bytes(im, data, to_rgb=True) == 1200 * (2 + 6)
    assert decode_peak_bytes(im, data, to_rgb=False) == 1200 * 2


def test_a_webp_reserves_libwebps_buffers_and_its_copy_of_the_file(tmp_path):
    path = tmp_path / "a.webp"
    Image.new("RGBA", (40, 30), (9, 9, 9, 128)).save(path, lossless=True)
    im, data = _opened(path)
    decoder = 1200 * 13 + len(data)  # canvas, previous frame, the frame handed over (+ margin); the file
    assert decode_peak_bytes(im, data, to_rgb=False) == 1200 * 4 + decoder
    assert decode_peak_bytes(im, data, to_rgb=True) == 1200 * (4 + 5) + decoder


# Run in a fresh process: one that has decoded before keeps freed pages and reuses them unseen.
_MEASURE_DECODE = """
import io, sys
from pathlib import Path
from PIL import Image
from tlgui.core.data.images import load_rgb

def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM"))

warm = io.BytesIO()
Image.new("RGB", (16, 16)).save(warm, "WEBP")
load_rgb("warm.webp", data=warm.getvalue())  # Pillow's WebP plugin and libwebp loaded before the measure
data = Path(sys.argv[1]).read_bytes()
Path("/proc/self/clear_refs").write_text("5")  # the peak so far forgotten
before = peak()
load_rgb(sys.argv[1], data=data)
print(peak() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux's resettable peak RSS")
@pytest.mark.parametrize(("mode", "lossless"), [("RGB", True), ("RGBA", False)])
def test_a_webps_reservation_covers_what_its_decode_takes(tmp_path, mode, lossless):
    """The peak memory of the decode alone, against its reservation: libwebp's animation decoder
    takes about 16 bytes a pixel in all, where the reservation once counted 8."""
    path = tmp_path / "a.webp"
    Image.new(mode, (2000, 1500), (90, 140, 200, 128)[: len(mode)]).save(path, lossless=lossless)
    data = path.read_bytes()
    im, _data = _opened(path)
    reserved = decode_peak_bytes(im, data, to_rgb=True)
    run = subprocess.run([sys.executable, "-c", _MEASURE_DECODE, str(path)], capture_output=True, text=True)
    if run.returncode != 0 and "clear_refs" in run.stderr:
        pytest.skip("the peak RSS cannot be reset here")
    assert run.returncode == 0, run.stderr
    measured = int(run.stdout)
    assert 2000 * 1500 * 12 < measured <= reserved


def test_load_rgb_waits_for_the_budget(tmp_path, monkeypatch):
    budget = MemoryBudget(1 * MiB)
    monkeypatch.setattr(images, "DECODE_MEMORY", budget)
    path = _jpeg(tmp_path, "p.jpg", progressive=True)
    loaded = []
    with budget.reserve(1):
        thread = _start(lambda: loaded.append(load_rgb(path, min_size=64)))
        assert _waits(thread) and not loaded  # needs ~2 MB of a 1 MB budget: alone, after the holder
    thread.join(10)
    assert loaded and loaded[0].size == (100, 75) and budget.held == 0


def test_sixteen_bit_conversion_goes_a_band_at_a_time():
    ramp = (np.arange(4000 * 4000, dtype=np.uint32) % 65536).astype(np.uint16).reshape(4000, 4000)
    image = Image.fromarray(ramp)
    tracemalloc.start()
    try:
        rgb = to_rgb(image)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One float64 copy of the whole image would be 128 MB; each band's is 8 MB.
    assert peak < 64 * MiB
    assert rgb.getpixel((0, 0)) == (0, 0, 0) and rgb.getpixel((65535 % 4000, 65535 // 4000)) == (255,) * 3


# ---- the files' bytes ---------------------------------------------------------------------------
class _PeakBudget(MemoryBudget):
    """A budget that remembers the most it ever held at once."""

    def __init__(self, capacity: int):
        super().__init__(capacity)
        self.peak = 0

    @contextmanager
    def reserve(self, nbytes: int):
        with super().reserve(nbytes):
            self.peak = max(self.peak, self.held)
            yield


def _padded_jpeg(tmp_path, name: str, junk_bytes: int):
    """A small JPEG followed by junk: it opens and decodes like any photo, yet is a large file."""
    path = _jpeg(tmp_path, name, size=(64, 48))
    with path.open("ab") as handle:
        handle.write(b"\0" * junk_bytes)
    return path


def test_a_files_bytes_are_reserved_while_they_are_held(tmp_path, monkeypatch):
    budget = MemoryBudget(64 * MiB)
    monkeypatch.setattr(images, "PHOTO_BYTES", budget)
    path = _padded_jpeg(tmp_path, "p.jpg", 100_000)
    with images.reading_photo(path) as photo:
        assert budget.held == len(photo.data) == path.stat().st_size
    assert budget.held == 0


def test_a_file_that_fails_to_read_leaves_nothing_reserved(tmp_path, monkeypatch):
    budget = MemoryBudget(64 * MiB)
    monkeypatch.setattr(images, "PHOTO_BYTES", budget)
    with pytest.raises(images.ImageDecodeError), images.reading_photo(tmp_path / "missing.jpg"):
        pass
    path = _padded_jpeg(tmp_path, "p.jpg", 1000)
    with pytest.raises(RuntimeError), images.reading_photo(path):
        raise RuntimeError("the caller's decode failed")
    assert budget.held == 0


def test_large_files_are_read_and_decoded_a_few_at_a_time(tmp_path, monkeypatch):
    """Six 3 MB files, four threads, a 4 MB budget for bytes: never more than one file's bytes held
    beside another's, and every photo still decoded."""
    from concurrent.futures import ThreadPoolExecutor

    budget = _PeakBudget(4 * MiB)
    monkeypatch.setattr(images, "PHOTO_BYTES", budget)
    paths = [_padded_jpeg(tmp_path, f"p{i}.jpg", 3 * MiB) for i in range(6)]
    size = paths[0].stat().st_size
    with ThreadPoolExecutor(4) as pool:
        decoded = list(pool.map(lambda p: load_rgb(p).size, paths))
    assert decoded == [(64, 48)] * 6
    assert size <= budget.peak <= 4 * MiB and budget.held == 0


def test_extraction_holds_a_photos_bytes_until_its_view_is_made(tmp_path, monkeypatch):
    from tlgui.core.backbones.preprocess import Preprocessing
    from tlgui.core.training.extraction import ViewRecipe, ViewRequest

    budget = MemoryBudget(64 * MiB)
    monkeypatch.setattr(images, "PHOTO_BYTES", budget)
    path = _padded_jpeg(tmp_path, "p.jpg", 10_000)
    recipe = ViewRecipe(Preprocessing(input_size=32, resize_size=40))
    held = []
    real = recipe.make_from
    monkeypatch.setattr(ViewRecipe, "make_from", lambda self, photo, view: held.append(budget.held) or real(photo, view))
    assert recipe.make(ViewRequest(path)).shape == (3, 32, 32)
    assert held == [path.stat().st_size] and budget.held == 0
