"""The settings tlgui gives every process before torch loads (tlgui/__init__.py), checked in fresh
processes: this one has long loaded torch, which reads them once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _child(code: str, *args: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env={**environ, **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_torch_threads_wait_passively_unless_the_user_says_otherwise():
    code = "import tlgui, os; print(os.environ['OMP_WAIT_POLICY'])"
    assert _child(code) == "PASSIVE"
    assert _child(code, OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"
