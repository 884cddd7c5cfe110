"""Thumbnails decoded off the GUI thread, on demand, into an LRU cache.

Views ask for a thumbnail only when they paint a row (a model's ``data(DecorationRole)`` calls
``ThumbnailLoader.request``). A miss queues the path and returns None; a worker of a QThreadPool
decodes it with the engine's ``load_rgb`` (JPEG draft mode keeps this cheap), fits it into a square
and hands back a QImage; ``thumbnailReady(path)`` then tells the models to repaint that row.

Pending paths live on a stack, newest first: when the user scrolls through thousands of photos the
rows now on screen are decoded before the ones scrolled past, and the oldest requests are dropped
once the stack is long (they are requested again if they are painted again).

The size can change (the Data page's size slider): the thumbnails made at the old size are still
handed out, and drawn scaled, until each is decoded again at the new size. The cache is bounded
in bytes, so larger thumbnails mean fewer of them kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage

from tlgui.core.data.images import load_rgb
from tlgui.core.errors import TlguiError

# Edge of the square thumbnails, in pixels.
THUMB_SIZE = 96
# Thumbnails of THUMB_SIZE kept in memory (27 kB each); as many bytes of larger ones.
CACHE_LIMIT = 3000
# Requests waiting beyond this many are dropped, oldest first.
PENDING_LIMIT = 256


def _image_bytes(size: int) -> int:
    """Bytes of a square RGB thumbnail of ``size`` pixels (QImage rows are 4-byte aligned)."""
    return size * ((size * 3 + 3) // 4 * 4)


def make_thumbnail(path: Path, size: int = THUMB_SIZE) -> QImage:
    """Decode ``path`` and scale it so its longer side is ``size`` pixels (RGB QImage).

    Safe to call from any thread (QImage, unlike QPixmap, is not tied to the GUI thread).
    Raises ``ImageDecodeError`` when the file cannot be read.
    """
    from PIL import Image  # not before the first thumbnail: the window paints without Pillow

    img = load_rgb(path, min_size=size)
    # Tiny images are enlarged too, so every cell of the grid reads alike.
    scale = size / max(img.width, img.height)
    fitted = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    img = img.resize(fitted, Image.Resampling.BILINEAR if scale < 1 else Image.Resampling.NEAREST)
    data = img.tobytes()
    # QImage borrows the buffer; copy() so the image owns its pixels once `data` is gone.
    return QImage(data, img.width, img.height, img.width * 3, QImage.Format.Format_RGB888).copy()


class _PendingStack:
    """Paths waiting to be decoded; shared by the GUI thread (push) and workers (pop)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: list[str] = []

    def push(self, key: str, limit: int) -> list[str]:
        """Add ``key`` on top; return the keys dropped from the bottom to respect ``limit``."""
        with self._lock:
            self._paths.append(key)
            dropped = self._paths[: max(0, len(self._paths) - limit)]
            del self._paths[: len(dropped)]
            return dropped

    def pop(self) -> str | None:
        with self._lock:
            return self._paths.pop() if self._paths else None

    def clear(self) -> None:
        with self._lock:
            self._paths.clear()


class _Relay(QObject):
    """Carries results from pool threads to the GUI thread (queued connections)."""

    # Paths travel as Python objects: a str signal argument becomes a QString, which drops the lone
    # surrogates a file name that is not UTF-8 is read with, and the thumbnail would never find its row.
    decoded = Signal(object, QImage, int)  # path, thumbnail, the size it was made for
    failed = Signal(object, str)


def _decode_newest(stack: _PendingStack, relay: _Relay, size: Callable[[], int]) -> None:
    """On a pool thread: decode the newest pending path (none if the stack was pruned) at the
    loader's size when it starts.

    A plain function, not a QRunnable subclass: the pool would own the C++ half of such an object
    and delete it whenever it likes (at its own destruction too), whatever became of its Python
    half; PySide runs a callable in a runnable of its own.
    """
    key = stack.pop()
    if key is None:
        return
    edge = size()
    try:
        image = make_thumbnail(Path(key), edge)
    except TlguiError as exc:
        relay.failed.emit(key, getattr(exc, "reason", str(exc)))
    except Exception as exc:  # noqa: BLE001 - a bad file must not kill the pool thread
        relay.failed.emit(key, f"{type(exc).__name__}: {exc}")
    else:
        relay.decoded.emit(key, image, edge)


class ThumbnailLoader(QObject):
    """Lazily decoded, cached thumbnails. ``thumbnailReady(str path)`` fires when one arrives
    (or when decoding failed; ``failure(path)`` then says why); ``sizeChanged(int)`` after
    ``set_size``. ``cache_limit`` counts thumbnails of the starting size."""

    thumbnailReady = Signal(object)  # the path as a str (an object signal keeps it exact, see _Relay)
    sizeChanged = Signal(int)

    def __init__(self, parent: QObject | None = None, *, size: int = THUMB_SIZE,
                 cache_limit: int = CACHE_LIMIT, max_threads: int | None = None):
        super().__init__(parent)
        self.size = size
        self._cache_budget = cache_limit * _image_bytes(size)
        self._cache_bytes = 0
        self._cache: OrderedDict[str, QImage] = OrderedDict()
        self._stale: OrderedDict[str, QImage] = OrderedDict()  # made at an earlier size
        self._stale_bytes = 0
        self._failed: dict[str, str] = {}
        self._requested: set[str] = set()
        self._stack = _PendingStack()
        self._pool = QThreadPool(self)
        if max_threads is not None:
            self._pool.setMaxThreadCount(max_threads)
        else:
            # Leave a core for the GUI thread and the trainer.
            self._pool.setMaxThreadCount(max(1, min(4, QThreadPool.globalInstance().maxThreadCount() - 1)))
        self._relay = _Relay(self)
        self._relay.decoded.connect(self._on_decoded)
        self._relay.failed.connect(self._on_failed)
        self._unstarted = 0  # decodes asked for during this turn of the event loop

    def request(self, path: Path | str) -> QImage | None:
        """The thumbnail if cached; otherwise queue it (once) and return None, or the one made at
        an earlier size while the new one is decoded."""
        key = str(path)
        image = self._cache.get(key)
        if image is not None:
            self._cache.move_to_end(key)
            return image
        if key in self._failed:
            return None
        if key not in self._requested:
            self._requested.add(key)
            for dropped in self._stack.push(key, PENDING_LIMIT):
                self._requested.discard(dropped)
            self._unstarted += 1
            if self._unstarted == 1:
                QTimer.singleShot(0, self, self._start_decodes)
        return self._stale.get(key)

    def _start_decodes(self) -> None:
        # Once the paint that asked is over: a decode begun during it would take turns with it at
        # the interpreter lock (the window's first paint waited for Pillow to be imported).
        for _ in range(self._unstarted):
            self._pool.start(partial(_decode_newest, self._stack, self._relay, lambda: self.size))
        self._unstarted = 0

    def cached(self, path: Path | str) -> QImage | None:
        """The thumbnail at the current size if already decoded, without queueing anything."""
        return self._cache.get(str(path))

    def set_size(self, size: int) -> None:
        """Make thumbnails ``size`` pixels from now on; those made before serve until replaced."""
        if size == self.size:
            return
        self.size = size
        # Queued paths would be decoded at the new size anyway; views ask again as they repaint.
        self._stack.clear()
        self._requested.clear()
        for key, image in self._cache.items():
            self._remember_stale(key, image)
        self._cache.clear()
        self._cache_bytes = 0
        self.sizeChanged.emit(size)

    def forget(self) -> None:
        """Drop every thumbnail and failure known: the files may have changed since (another
        project opened, photos found in another folder); views ask again as they repaint."""
        self._stack.clear()
        self._requested.clear()
        self._cache.clear()
        self._cache_bytes = 0
        self._stale.clear()
        self._stale_bytes = 0
        self._failed.clear()

    def failure(self, path: Path | str) -> str | None:
        """Why the thumbnail of ``path`` could not be made, or None."""
        return self._failed.get(str(path))

    def pending(self) -> int:
        """Number of thumbnails requested and not yet delivered."""
        return len(self._requested)

    def shutdown(self, timeout_ms: int = 3000) -> None:
        """Drop queued work and wait for decodes in flight (at exit and in tests)."""
        self._stack.clear()
        self._unstarted = 0
        self._pool.clear()
        self._pool.waitForDone(timeout_ms)
        self._requested.clear()

    def _on_decoded(self, key: str, image: QImage, size: int) -> None:
        if size != self.size:  # begun before the size changed: better than nothing until redone
            self._remember_stale(key, image)
            self.thumbnailReady.emit(key)
            return
        self._requested.discard(key)
        old = self._stale.pop(key, None)
        if old is not None:
            self._stale_bytes -= old.sizeInBytes()
        self._cache[key] = image
        self._cache_bytes += image.sizeInBytes()
        while self._cache_bytes > self._cache_budget and len(self._cache) > 1:
            self._cache_bytes -= self._cache.popitem(last=False)[1].sizeInBytes()
        self.thumbnailReady.emit(key)

    def _remember_stale(self, key: str, image: QImage) -> None:
        old = self._stale.pop(key, None)
        if old is not None:
            self._stale_bytes -= old.sizeInBytes()
        self._stale[key] = image
        self._stale_bytes += image.sizeInBytes()
        while self._stale_bytes > self._cache_budget and self._stale:
            self._stale_bytes -= self._stale.popitem(last=False)[1].sizeInBytes()

    def _on_failed(self, key: str, reason: str) -> None:
        self._requested.discard(key)
        self._failed[key] = reason
        self.thumbnailReady.emit(key)
