"""The settings tlgui gives its processes before torch loads (tlgui/__init__.py for every process, the
command line's for its commands), checked in fresh processes: this one has long loaded torch, which
reads them once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
THP_MODE = Path("/sys/kernel/mm/transparent_hugepage/enabled")

# Allocates a 64 MB tensor after what tlgui does first (``setup``), touches it, and prints how much
# of the process's anonymous memory the kernel backs with huge pages (kB).
_HUGE_PAGES_AFTER_A_LARGE_TENSOR = """
import sys
exec(sys.argv[1])
import torch
t = torch.ones(16 * 1024 * 1024)
for line in open("/proc/self/smaps_rollup"):
    if line.startswith("AnonHugePages:"):
        print(line.split()[1])
"""
COMMAND = "from tlgui.cli.main import main; main(['backbones'])"  # any command, as `tlgui backbones` runs it
WINDOW = "import tlgui.gui.app"  # what `tlgui` alone imports before it opens the window


def _child(code: str, *args: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("THP_MEM_ALLOC_ENABLE", "OMP_WAIT_POLICY")}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env={**environ, **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def _huge_kb(setup: str, **env: str) -> int:
    return int(_child(_HUGE_PAGES_AFTER_A_LARGE_TENSOR, setup, **env).splitlines()[-1])


def _madvise_only() -> bool:
    """Huge pages only where a program asks for them: the mode in which the setting makes the difference."""
    try:
        return "[madvise]" in THP_MODE.read_text()
    except OSError:
        return False


@pytest.mark.skipif(not _madvise_only(), reason="the kernel does not offer huge pages on request (madvise mode)")
def test_the_commands_put_large_tensors_on_huge_pages_and_the_window_does_not():
    assert _huge_kb(COMMAND) >= 32 * 1024
    assert _huge_kb(WINDOW) < 32 * 1024  # its thread must not wait for 2 MB pages to be zero-filled
    # The user's own setting wins.
    assert _huge_kb(COMMAND, THP_MEM_ALLOC_ENABLE="0") < 32 * 1024


def test_torch_threads_wait_passively_unless_the_user_says_otherwise():
    code = "import tlgui, os; print(os.environ['OMP_WAIT_POLICY'])"
    assert _child(code) == "PASSIVE"
    assert _child(code, OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"
