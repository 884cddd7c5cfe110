"""Forward lanes: whole batches through the network in a few threads at once, results in order.

Each lane is a Python thread with its own share of the torch (OpenMP) threads; the intra-op thread
count is per thread in torch, so lanes of one thread each run side by side without a shared barrier
(see ``MAX_CPU_FORWARD_LANES``). Batches go to whichever lane is free, at most one per lane, and come
back in the order they went in. Stop is noticed while waiting; a lane starts no batch after Stop, and
the batches already running are finished before ``Cancelled`` is raised, so that no thread is left
running on the network once the caller has been told the run ended.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import TypeVar

import torch

from tlgui.core.errors import Cancelled
from tlgui.core.progress import CancelToken, wait_unless_cancelled

T = TypeVar("T")
R = TypeVar("R")

# Starting lanes changes torch's process-wide default thread count for a moment (see _Lanes.start):
# one start at a time, so two runs starting together each restore the right count.
_START_LOCK = threading.Lock()


def in_lanes(
    items: Iterable[T], work: Callable[[T], R], lanes: int, *, cancel: CancelToken | None = None
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, work(item))`` in the order of ``items``, running ``work`` in ``lanes`` threads.

    One lane runs ``work`` in the calling thread, as a plain loop. With more, at most ``lanes`` items
    are taken from ``items`` ahead of the one handed out, so memory holds a few batches; when the
    run ends early (Stop, an error, the generator closed) ``items`` is closed too.
    """
    if lanes <= 1:
        for item in items:
            yield item, work(item)
        return
    iterator = iter(items)
    pool = _Lanes(work, lanes, cancel)
    running: deque[tuple[T, Future]] = deque()

    def fill() -> None:
        # Taking the next item may wait for it to be decoded; Stop is noticed there by ``items``.
        while len(running) < lanes:
            try:
                item = next(iterator)
            except StopIteration:
                return
            running.append((item, pool.submit(item)))

    try:
        pool.start()
        fill()
        while running:
            item, future = running[0]
            wait_unless_cancelled([future], cancel)
            result = future.result()
            running.popleft()
            fill()  # before handing the result out: the free lane works while the caller does
            yield item, result
    finally:
        for _item, future in running:
            future.cancel()
        pool.stop()
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


class _Lanes:
    """``count`` threads taking (future, item) jobs from one queue, each with its share of threads."""

    def __init__(self, work: Callable[[T], R], count: int, cancel: CancelToken | None):
        self._work = work
        self._cancel = cancel
        self._jobs: queue.SimpleQueue[tuple[Future, T] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._count = count

    def start(self) -> None:
        with _START_LOCK:
            # Read before any lane sets its own count: it is this thread's count, and what the
            # process-wide default must be again once the lanes have taken theirs.
            total = torch.get_num_threads()
            shares = [total // self._count + (1 if i < total % self._count else 0) for i in range(self._count)]
            ready = threading.Barrier(self._count + 1)
            for index, share in enumerate(shares):
                thread = threading.Thread(
                    target=self._run, args=(max(1, share), ready), name=f"tlgui-forward-lane-{index}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            ready.wait()
            # torch.set_num_threads in a lane also sets the default that threads starting later take
            # (a training worker, say); the lanes have fixed theirs, so put the default back.
            torch.set_num_threads(total)

    def submit(self, item: T) -> Future:
        future: Future = Future()
        self._jobs.put((future, item))
        return future

    def stop(self) -> None:
        """Let the lanes finish the batches they are running, start none of the queued ones, end."""
        for _thread in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def _run(self, threads: int, ready: threading.Barrier) -> None:
        torch.set_num_threads(threads)
        torch.get_num_threads()  # fixes this thread's count now, before the default is restored
        ready.wait()
        while (job := self._jobs.get()) is not None:
            future, item = job
            if not future.set_running_or_notify_cancel():
                continue
            if self._cancel is not None and self._cancel.cancelled:
                future.set_exception(Cancelled())
                continue
            try:
                future.set_result(self._work(item))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
                future.set_exception(exc)
