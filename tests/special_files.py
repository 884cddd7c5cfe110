"""Files that are not files: FIFOs and links to devices, as hostile folders hold them.

``returns_without_blocking`` runs a call that must never open such a file for reading; if it blocks
anyway, the FIFO is opened for writing from here to release it, so a regression fails the test
instead of hanging the whole run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this system has no FIFOs")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="this system has no /dev/zero")


def make_fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def link_to_dev_zero(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("/dev/zero")
    return path


def returns_without_blocking(call: Callable[[], Any], fifos: list[Path], seconds: float = 20.0) -> Any:
    """``call()``'s result or exception, failing the test if it is still running after ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:  # handed back to the test thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        for fifo in fifos:  # a reader blocked in open() is released by a writer
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        worker.join(5)
        pytest.fail(f"the call blocked on {', '.join(map(str, fifos))}")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
