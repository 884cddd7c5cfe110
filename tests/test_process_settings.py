"""The settings tlgui gives every process before torch loads (tlgui/__init__.py), checked in fresh
processes: this one has long loaded torch, which reads them once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
THP_MODE = Path("/sys/kernel/mm/transparent_hugepage/enabled")

# Allocates a 64 MB tensor through tlgui's import, touches it, and prints how much of the process's
# anonymous memory the kernel backs with huge pages (kB).
_HUGE_PAGES_AFTER_A_LARGE_TENSOR = """
import tlgui, torch
t = torch.ones(16 * 1024 * 1024)
for line in open("/proc/self/smaps_rollup"):
    if line.startswith("AnonHugePages:"):
        print(line.split()[1])
"""


def _child(code: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("THP_MEM_ALLOC_ENABLE", "OMP_WAIT_POLICY")}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**environ, **env}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def _madvise_only() -> bool:
    """Huge pages only where a program asks for them: the mode in which the setting makes the difference."""
    try:
        return "[madvise]" in THP_MODE.read_text()
    except OSError:
        return False


@pytest.mark.skipif(not _madvise_only(), reason="the kernel does not offer huge pages on request (madvise mode)")
def test_large_tensors_get_huge_pages():
    assert int(_child(_HUGE_PAGES_AFTER_A_LARGE_TENSOR)) >= 32 * 1024
    # The user's own setting wins: off, the same tensor stays on small pages.
    assert int(_child(_HUGE_PAGES_AFTER_A_LARGE_TENSOR, THP_MEM_ALLOC_ENABLE="0")) < 32 * 1024


def test_torch_threads_wait_passively_unless_the_user_says_otherwise():
    code = "import tlgui, os; print(os.environ['OMP_WAIT_POLICY'])"
    assert _child(code) == "PASSIVE"
    assert _child(code, OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"
