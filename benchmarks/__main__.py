"""``python -m benchmarks [--device cpu|cuda|auto] [--quick] [--only NAME[,NAME]] [--out FILE]``."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import tlgui  # noqa: F401 - first, as when the app starts: it sets how torch's threads wait (see tlgui/__init__.py)
from benchmarks import MODULES
from benchmarks.common import REPO, Context, Row, Skip, device_info, load_average

# --only name -> module (file) name
MODULE_FILES = {
    "extract": "extract",
    "torchvision": "torchvision_loop",
    "train": "train_time",
    "partial": "partial",
    "scale": "scale",
    "predict": "predict_folder",
    "gui": "gui_stall",
    "latency": "latency",
    "precision": "precision",
    "first_model": "first_model",
    "full": "full_finetune",
    "startup": "startup",
}
COLUMNS = ["measurement", "value", "reference", "ratio", "target", "met"]
DEFAULT_OUT = Path("benchmarks") / "results" / "latest.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test, not a measurement")
    parser.add_argument("--only", default="", metavar="NAME[,NAME]",
                        help="run only these measurements: " + ", ".join(MODULES))
    parser.add_argument("--out", type=Path, default=None,
                        help=f"markdown table path; JSON goes beside it (default {DEFAULT_OUT} and .json)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (printed)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(MODULES)
    unknown = [n for n in names if n not in MODULE_FILES]
    if unknown:
        parser.error(f"unknown measurement(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    args.names = names
    return args


def datasets_dir() -> Path:
    env = os.environ.get("TLGUI_BENCH_DATASETS")
    return Path(env) if env else REPO.parent / "shared" / "datasets"


def format_table(rows: list[Row]) -> str:
    cells = [COLUMNS] + [r.cells() for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = []
    for k, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(rows: list[Row], info: dict, meta: dict) -> str:
    out = ["# tlgui benchmarks", ""]
    out.append(f"{meta['finished']} · total {meta['total_s']:.0f} s · "
               f"{'quick (smoke test) · ' if meta['quick'] else ''}measurements: {', '.join(meta['names'])}")
    out.append("")
    out.append("Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    out.append("")
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("|" + "|".join(["---"] + ["---:"] * (len(COLUMNS) - 1)) + "|")
    for r in rows:
        out.append("| " + " | ".join(c.replace("|", "/") for c in r.cells()) + " |")
    out.append("")
    out.append("Notes:")
    out.append("")
    for r in rows:
        if r.note:
            out.append(f"- **{r.measurement}**: {r.note}")
    out.append("")
    return "\n".join(out)


def out_paths(out: Path | None) -> tuple[Path, Path]:
    md = out if out is not None else REPO / DEFAULT_OUT
    if md.suffix.lower() == ".json":
        md = md.with_suffix(".md")
    elif md.suffix.lower() != ".md":
        md = md.with_name(md.name + ".md")
    return md, md.with_suffix(".json")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="tlgui-bench-"))
    # Never the user's feature cache: anything that falls back to the default cache lands here.
    os.environ["TLGUI_CACHE_DIR"] = str(workdir / "default-cache")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    try:
        info = device_info(args.device)
    except Exception as exc:  # noqa: BLE001 - e.g. --device cuda on a computer without one
        print(f"benchmarks: error: {exc}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
        return 2
    print("tlgui benchmarks" + (" (quick)" if args.quick else ""), flush=True)
    for key, value in info.items():
        print(f"  {key:20s} {value}")
    print(flush=True)

    ctx = Context(device=args.device, quick=args.quick, workdir=workdir, datasets=datasets_dir(),
                  log=lambda text: print(text, flush=True))
    rows: list[Row] = []
    errors = 0
    module_seconds = {}
    try:
        for name in args.names:
            print(f"[{name}] running... (load {load_average()})", flush=True)
            t0 = time.perf_counter()
            try:
                module = importlib.import_module(f"benchmarks.{MODULE_FILES[name]}")
                new = module.run(ctx)
            except Skip as exc:
                new = [Row(f"{name}: skipped", None, note=str(exc))]
            except Exception as exc:  # noqa: BLE001 - one broken measurement must not lose the others
                errors += 1
                traceback.print_exc()
                new = [Row(f"{name}: ERROR", None, met=False, note=f"{type(exc).__name__}: {exc}")]
            module_seconds[name] = time.perf_counter() - t0
            for row in new:
                row.module = name
                print("   " + "  ".join(row.cells()), flush=True)
            print(f"[{name}] {module_seconds[name]:.1f} s", flush=True)
            rows.extend(new)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    total = time.perf_counter() - started
    info["load_average_end"] = load_average()
    meta = {
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "total_s": total,
        "quick": args.quick,
        "device_arg": args.device,
        "names": args.names,
        "module_seconds": module_seconds,
    }
    print()
    print(format_table(rows))
    missed = [r for r in rows if r.met is False]
    print()
    print(f"total {total:.1f} s; {len(missed)} target(s) missed" + (f", {errors} error(s)" if errors else ""))

    md_path, json_path = out_paths(args.out)
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(markdown(rows, info, meta), encoding="utf-8")
    json_path.write_text(
        json.dumps({"meta": meta, "machine": info, "rows": [r.to_dict() for r in rows]}, indent=2,
                   ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {md_path} and {json_path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
