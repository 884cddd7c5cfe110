"""The benchmark suite still runs: ``python -m benchmarks --quick`` on one cheap measurement.

A smoke test, not a measurement: it checks that the entry point, the modules and the report files
work, never the numbers (the targets are for full runs on a quiet machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"

pytestmark = pytest.mark.shared


@pytest.mark.slow
def test_quick_suite_runs_and_writes_the_table(tmp_path):
    if not (DATASETS / "hymenoptera" / "train").is_dir():
        pytest.skip(f"{DATASETS / 'hymenoptera'} is not available")
    out = tmp_path / "smoke.md"
    env = {**os.environ, "TLGUI_BENCH_DATASETS": str(DATASETS), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--device", "cpu", "--only", "scale,predict,full", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "measurement" in proc.stdout and "torch_threads" in proc.stdout

    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    rows = report["rows"]
    assert {r["module"] for r in rows} == {"scale", "predict", "full"}
    assert not [r for r in rows if "ERROR" in r["measurement"] or "skipped" in r["measurement"]]
    ratio = next(r for r in rows if r["measurement"].startswith("predict"))
    assert ratio["value"] > 0 and ratio["reference"] > 0 and ratio["ratio"] == pytest.approx(
        ratio["value"] / ratio["reference"]
    )
    # The full fine-tune's epoch (what a CUDA table must report) and its run against the plan's estimate.
    epoch = next(r for r in rows if r["measurement"].startswith("full fine-tune epoch"))
    assert epoch["value"] > 0 and epoch["unit"] == "s"
    whole = next(r for r in rows if r["measurement"].startswith("full fine-tune run"))
    assert whole["reference"] > 0 and whole["met"] in (True, False)
    assert report["machine"]["torch_threads"] >= 1
    markdown = out.read_text(encoding="utf-8")
    assert "| measurement | value | reference | ratio | target | met |" in markdown


def test_unknown_measurement_is_a_usage_error():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "nonsense"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "unknown measurement" in proc.stderr
