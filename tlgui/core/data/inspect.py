"""Cheap checks of many files at once: names first (no reading), then ``inspect_image`` in threads.

Every file becomes an ``ImageInfo`` or a ``SkippedFile`` with a reason; one bad file never stops
the others, whatever Pillow raises for it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tlgui.core.data.images import ImageInfo, inspect_image
from tlgui.core.data.items import SkippedFile
from tlgui.core.errors import ImageDecodeError
from tlgui.core.i18n import _
from tlgui.core.progress import CancelToken, ProgressFn, RateMeter

if TYPE_CHECKING:
    from concurrent.futures import Future

_CHUNK = 256  # paths per thread-pool task: large enough that task overhead is negligible
_APPLEDOUBLE_PREFIX = "._"


def screen_names(files: Sequence[str]) -> tuple[list[str], dict[str, SkippedFile]]:
    """Each file once: those to read, and those the name alone rules out (macOS metadata).

    macOS "._name.jpg" files carry a photo's metadata, not a photo; they are listed with their own
    reason so the user sees why they were left out.
    """
    to_read: list[str] = []
    ruled_out: dict[str, SkippedFile] = {}
    for f in dict.fromkeys(files):
        if os.path.basename(f).startswith(_APPLEDOUBLE_PREFIX):
            ruled_out[f] = SkippedFile(Path(f), "macOS metadata file, not a photo")
        else:
            to_read.append(f)
    return to_read, ruled_out


def inspect_many(
    paths: Sequence[str | Path],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
) -> list[ImageInfo | SkippedFile]:
    """``inspect_image`` for many files on a thread pool, in order; failures become SkippedFile.

    File reads and hashing release the GIL, so threads overlap disk waits even on one core. Files
    that fit in one chunk (``_CHUNK``) are read on the calling thread.
    Reports phase "scan" progress from the calling thread; raises Cancelled when cancelled.
    """
    meter = RateMeter("scan", len(paths), progress)
    if not paths:
        return []
    absolute = [os.path.abspath(os.fspath(p)) for p in paths]
    chunks = [absolute[i : i + _CHUNK] for i in range(0, len(absolute), _CHUNK)]
    if len(chunks) == 1:
        # One chunk would be one worker while this thread waits: read it here instead, without a
        # pool or its module (the window's first paint waits for the demo's photos to be read).
        results = _inspect_chunk(chunks[0], cancel)
        if cancel is not None:
            cancel.raise_if_cancelled()
        meter.update(len(results), _("Reading photos"))
        return results
    from concurrent.futures import ThreadPoolExecutor

    # More threads than cores: on a cold disk or a network share most of them wait on I/O.
    workers = workers or min(16, 4 * (os.cpu_count() or 2))
    results: list[ImageInfo | SkippedFile] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tlgui-scan") as pool:
        futures: list[Future] = [pool.submit(_inspect_chunk, chunk, cancel) for chunk in chunks]
        try:
            for future in futures:
                results.extend(future.result())
                if cancel is not None:
                    cancel.raise_if_cancelled()
                meter.update(len(results), _("Reading photos"))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


def _inspect_chunk(paths: Sequence[str], cancel: CancelToken | None) -> list[ImageInfo | SkippedFile]:
    out: list[ImageInfo | SkippedFile] = []
    for path in paths:
        if cancel is not None and cancel.cancelled:
            break
        out.append(_inspect_one(path))
    return out


def _inspect_one(path: str) -> ImageInfo | SkippedFile:
    file = Path(path)  # built once: at 100,000 files, every Path construction shows
    try:
        return inspect_image(file)
    except ImageDecodeError as exc:
        return SkippedFile(file, exc.reason)
    except Exception as exc:  # a scan must survive any one file, whatever Pillow raises
        return SkippedFile(file, f"cannot read ({exc.__class__.__name__})")
