"""Loading torch's native libraries without holding the interpreter lock, before torch is imported.

``import torch`` on a background thread froze the window's thread for 0.5–0.8 s at a time on a
2-core CPU: the dynamic loader maps and relocates libtorch_cpu and libtorch (hundreds of megabytes)
inside ``import torch._C``, and an import holds the interpreter lock throughout, so the window's
thread cannot run a line of Python meanwhile. Called as a foreign function through ctypes, ``dlopen``
runs with the lock released; once the libraries are in the process, torch's own import finds them
loaded and only initialises its module (measured: the window thread's longest pause while torch
loads, 0.49–0.68 s → 0.10–0.13 s). Opened ``RTLD_LOCAL``, as Python opens extension modules, so
that no symbol becomes global that torch would not have made global itself; never closed (torch
is about to use them). Anything that goes wrong here is left to torch's own import, which reports
it as it always did.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
import threading
from pathlib import Path

# The library that pulls in the rest (libtorch, libtorch_cpu, libc10 and, on CUDA builds, the CUDA
# runtime torch was linked with) as its dependencies.
_ENTRY_LIBRARY = "libtorch_python.so"

_lock = threading.Lock()
_done = False


def torch_library_folder() -> Path | None:
    """torch's ``lib`` folder, found without importing torch; None when torch is not installed."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "lib"


def load_torch_libraries() -> bool:
    """Load torch's native libraries with the interpreter lock released (Linux; elsewhere, or when
    torch is already imported, nothing). True when they were loaded here. Call it on the thread
    that is about to import torch, before it does; once per process is enough, later calls return
    at once."""
    global _done
    with _lock:
        if _done or "torch" in sys.modules or not sys.platform.startswith("linux"):
            return False
        _done = True
        folder = torch_library_folder()
        entry = folder / _ENTRY_LIBRARY if folder is not None else None
        if entry is None or not entry.is_file():
            return False
        try:
            libc = ctypes.CDLL(None)  # the process's own symbols: glibc's dlopen among them
            dlopen = libc.dlopen
        except (OSError, AttributeError):
            return False
        dlopen.restype = ctypes.c_void_p
        dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
        # A CDLL function call releases the interpreter lock for its duration (a PyDLL one would not).
        return bool(dlopen(os.fsencode(entry), os.RTLD_NOW | os.RTLD_LOCAL))
