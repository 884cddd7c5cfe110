"""torch's native libraries, loaded before torch with the interpreter lock released: another thread
runs meanwhile, and torch then imports and computes as it always did. In fresh processes (this one
has torch already)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="dlopen off the lock is Linux's")

# The loader runs on a thread; the main thread counts its own turns while the loader is inside the
# call. Had the call held the interpreter lock, the main thread could not have taken one.
_WHILE_LOADING = """
import json, threading, time
from tlgui.core.runtime import native_libraries

inside = threading.Event()
def load():
    inside.set()
    loaded.append(native_libraries.load_torch_libraries())
    inside.clear()

loaded, turns = [], 0
thread = threading.Thread(target=load)
thread.start()
inside.wait()
while inside.is_set():
    turns += 1
    time.sleep(0.0005)
thread.join()
import torch
y = torch.nn.Conv2d(3, 4, 3)(torch.ones(1, 3, 8, 8))
print(json.dumps([loaded[0], turns, list(y.shape), native_libraries.load_torch_libraries()]))
"""


def test_loading_lets_other_threads_run_and_torch_works_after_it():
    done = subprocess.run([sys.executable, "-c", _WHILE_LOADING], capture_output=True, text=True, timeout=300,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    loaded, turns, shape, again = json.loads(done.stdout)
    # Loaded here; a second call does nothing. The main thread ran while libtorch was being loaded
    # and relocated (hundreds of milliseconds: dozens of turns; 0 if the lock had been held).
    assert (loaded, shape, again) == (True, [1, 4, 6, 6], False)
    assert turns >= 5


def test_nothing_is_loaded_once_torch_is_imported_or_when_it_cannot_be_found():
    script = """
import importlib.util
from tlgui.core.runtime import native_libraries
real = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "torch" else real(name, *a)
print(native_libraries.torch_library_folder(), native_libraries.load_torch_libraries())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "False"]
    import torch  # noqa: F401

    from tlgui.core.runtime.native_libraries import load_torch_libraries

    assert load_torch_libraries() is False  # torch is here already
