"""Photos in the wrong bin, and near-duplicates, on ../shared/datasets.

``python -m benchmarks.label_suspects [--device auto|cpu|cuda] [--top 30] [--out FILE] [--sheets DIR]``

1. Label suspects on trashnet: ``find_label_suspects`` with a cold feature cache (every photo
   decoded and run through the backbone), then again warm. The top suspects (path, given and
   suggested class, label quality) go to a markdown table whose "by eye" column is left for a
   person to fill in after looking at the photos (``--sheets`` writes contact sheets to help).
2. The near-duplicate threshold: for some hymenoptera photos, a re-encoded copy (JPEG quality 40),
   a half-size copy and two off-centre crops (80% and 60% of each side); the share of copies found
   at each threshold against the share of pairs of distinct hymenoptera photos flagged.
3. ``find_near_duplicates`` on trashnet at the default threshold: pairs by kind, and whether the
   three exact duplicates the dataset is known to hold come out.

Not part of ``python -m benchmarks``: it writes a report for a person to complete, not a row of
ratios. Nothing touches the user's feature cache: a temporary folder is used and deleted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from benchmarks.common import IMAGE_SUFFIXES, REPO, device_info, load_average

DEFAULT_OUT = REPO / "benchmarks" / "results" / "label_suspects.md"
# The exact duplicates the dataset's README lists, each sitting in two classes.
KNOWN_TRASHNET_DUPLICATES = [("metal91", "glass115"), ("plastic332", "glass389"), ("plastic152", "glass176")]
THRESHOLDS = (0.80, 0.85, 0.88, 0.90, 0.92, 0.95)
COPIES_PER_CLASS = 60  # hymenoptera photos per class that get altered copies


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.label_suspects", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--top", type=int, default=30, help="suspects listed (default 30)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"markdown report (default {DEFAULT_OUT})")
    parser.add_argument("--sheets", type=Path, default=None, help="write contact sheets of the top suspects here")
    parser.add_argument("--datasets", type=Path,
                        default=Path(os.environ.get("TLGUI_BENCH_DATASETS", REPO.parent / "shared" / "datasets")))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.datasets = Path(os.path.abspath(args.datasets))  # the data set stores absolute paths
    trashnet, hymenoptera = args.datasets / "trashnet", args.datasets / "hymenoptera"
    missing = [str(p) for p in (trashnet, hymenoptera) if not p.is_dir()]
    if missing:
        print(f"label_suspects: {', '.join(missing)} not available", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="tlgui-suspects-"))
    os.environ["TLGUI_CACHE_DIR"] = str(workdir / "default-cache")
    try:
        info = device_info(args.device)
        lines = [f"# Photos in the wrong bin, and near-duplicates ({datetime.now(UTC):%Y-%m-%d %H:%M UTC})", ""]
        lines += ["Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), ""]
        lines += suspects_section(trashnet, args, workdir)
        lines += threshold_section(hymenoptera, args, workdir)
        lines += duplicates_section(trashnet, args, workdir)
        lines += [f"Load average at the end: {load_average()}", ""]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def load_folder(folder: Path):
    from tlgui.core.data.bins import DataSet

    dataset = DataSet()
    dataset.add_folder(folder)
    return dataset


def cache_in(workdir: Path):
    from tlgui.core.training.feature_cache import FeatureCache

    return FeatureCache(workdir / "features")


# ---- 1. label suspects ----------------------------------------------------------------------------
def suspects_section(trashnet: Path, args: argparse.Namespace, workdir: Path) -> list[str]:
    from tlgui.core.quality.suspects import find_label_suspects

    dataset = load_folder(trashnet)
    cache = cache_in(workdir)
    timings = {}
    for run in ("cold", "warm"):
        print(f"[suspects] {run} feature cache... (load {load_average()})", flush=True)
        started = time.perf_counter()
        report = find_label_suspects(dataset, device=args.device, cache=cache)
        timings[run] = time.perf_counter() - started
        print(f"[suspects] {run}: {timings[run]:.1f} s, {len(report.suspects)} suspects", flush=True)
    top = report.suspects[: args.top]
    if args.sheets is not None:
        write_sheets(top, args.sheets, args.datasets)
    lines = ["## Photos that may be in the wrong bin (trashnet)", ""]
    lines.append(
        f"{report.checked} photos checked, {len(report.skipped)} unreadable; {len(report.suspects)} suspects. "
        f"Time for the whole search: {timings['cold']:.1f} s with a cold feature cache, "
        f"{timings['warm']:.1f} s warm (features read from the cache, five linear heads, cleanlab)."
    )
    lines += ["", "| rank | photo | given | suggested (probability) | label quality | by eye |", "|---:|---|---|---|---:|---|"]
    for s in top:
        photo = s.item.path.relative_to(args.datasets) if s.item.path.is_relative_to(args.datasets) else s.item.path
        lines.append(
            f"| {s.rank} | {photo} | {s.given} | {s.suggested} ({s.suggested_probability:.2f}) | {s.quality:.3f} |  |"
        )
    lines += ["", "The \"by eye\" column is filled in by a person after the run; running again clears it.", ""]
    return lines


def write_sheets(suspects, folder: Path, root: Path, per_sheet: int = 6, cell: tuple[int, int] = (384, 288)) -> None:
    """Contact sheets, three photos a row, each captioned with rank, given and suggested class."""
    folder.mkdir(parents=True, exist_ok=True)
    caption_h = 36
    for start in range(0, len(suspects), per_sheet):
        group = suspects[start : start + per_sheet]
        rows = (len(group) + 2) // 3
        sheet = Image.new("RGB", (3 * cell[0], rows * (cell[1] + caption_h)), "white")
        draw = ImageDraw.Draw(sheet)
        for k, s in enumerate(group):
            x, y = (k % 3) * cell[0], (k // 3) * (cell[1] + caption_h)
            with Image.open(s.item.path) as img:
                img = img.convert("RGB")
                img.thumbnail(cell)
                sheet.paste(img, (x, y + caption_h))
            name = s.item.path.relative_to(root) if s.item.path.is_relative_to(root) else s.item.path.name
            draw.text((x + 4, y + 2), f"#{s.rank} {name}", fill="black")
            draw.text((x + 4, y + 18), f"given {s.given} -> {s.suggested} ({s.suggested_probability:.2f})", fill="red")
        sheet.save(folder / f"suspects_{start + 1:02d}-{start + len(group):02d}.png")


# ---- 2. the near-duplicate threshold --------------------------------------------------------------
COPY_KINDS = ("re-encoded (JPEG q40)", "half size", "crop 80% of each side", "crop 60% of each side")


def altered_copy(img: Image.Image, kind: str) -> tuple[Image.Image, int]:
    """(the altered image, the JPEG quality to save it at)."""
    w, h = img.size
    if kind.startswith("re-encoded"):
        return img, 40
    if kind == "half size":
        return img.resize((max(1, w // 2), max(1, h // 2)), Image.Resampling.BILINEAR), 90
    keep = 0.8 if "80%" in kind else 0.6
    # Off centre (towards the top left), so the copy is not simply the network's own centre crop.
    left, top = int(w * (1 - keep) * 0.25), int(h * (1 - keep) * 0.25)
    return img.crop((left, top, left + int(w * keep), top + int(h * keep))), 90


def threshold_section(hymenoptera: Path, args: argparse.Namespace, workdir: Path) -> list[str]:
    from tlgui.core.data.bins import DataSet
    from tlgui.core.quality.duplicates import comparable_vectors
    from tlgui.core.quality.features import photo_features

    dataset = DataSet()
    dataset.add_files("original", sorted(p for p in hymenoptera.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES))
    originals = [item.path for item in dataset.items("original")]  # one per content: copies are dropped
    chosen = [p for label in ("ants", "bees") for p in [q for q in originals if q.parent.name == label][:COPIES_PER_CLASS]]
    copies: dict[str, list[Path]] = {}
    for k, kind in enumerate(COPY_KINDS):
        folder = workdir / "copies" / str(k)
        folder.mkdir(parents=True, exist_ok=True)
        copies[kind] = []
        for i, path in enumerate(chosen):
            with Image.open(path) as img:
                copy, quality = altered_copy(img.convert("RGB"), kind)
            copies[kind].append(folder / f"{i:03d}.jpg")
            copy.save(copies[kind][-1], quality=quality)
        dataset.add_files(kind, copies[kind])
    print(f"[threshold] features of {len(dataset)} photos... (load {load_average()})", flush=True)
    features = photo_features(dataset, device=args.device, cache=cache_in(workdir))
    vectors = comparable_vectors(features.vectors).astype(np.float64)
    # The data set stores absolute paths without resolving links: look them up the same way.
    row = {item.path: i for i, item in enumerate(features.items)}

    def row_of(path: Path) -> int:
        return row[Path(os.path.abspath(path))]

    original_rows = [row_of(p) for p in originals]
    copy_sims = {
        kind: np.array([vectors[row_of(a)] @ vectors[row_of(b)] for a, b in zip(chosen, copies[kind], strict=True)])
        for kind in COPY_KINDS
    }
    block = vectors[original_rows]
    upper = np.triu_indices(len(block), k=1)
    distinct = (block @ block.T)[upper]

    from tlgui.core.quality.duplicates import DEFAULT_THRESHOLD

    lines = ["## Choosing the near-duplicate threshold (hymenoptera)", ""]
    lines.append(
        f"Altered copies of {len(chosen)} photos (the first {COPIES_PER_CLASS} ants and bees) against "
        f"{len(distinct):,} pairs of distinct photos among all {len(original_rows)} hymenoptera JPEGs. "
        "Cosine similarity of the signed square roots of pooled EfficientNet-Lite0 features."
    )
    lines += ["", "| threshold | " + " | ".join(f"found: {kind}" for kind in COPY_KINDS) + " | distinct pairs flagged |",
              "|---:|" + "---:|" * (len(COPY_KINDS) + 1)]
    for t in sorted({*THRESHOLDS, DEFAULT_THRESHOLD}):
        found = " | ".join(f"{np.mean(copy_sims[kind] >= t):.1%}" for kind in COPY_KINDS)
        flagged = int(np.sum(distinct >= t))
        mark = " (default)" if t == DEFAULT_THRESHOLD else ""
        lines.append(f"| {t:.2f}{mark} | {found} | {flagged} ({flagged / len(distinct):.4%}) |")
    lines += ["", "Similarity of each copy to its original, lowest / median: " + "; ".join(
        f"{kind} {copy_sims[kind].min():.3f} / {np.median(copy_sims[kind]):.3f}" for kind in COPY_KINDS
    ) + f". Distinct pairs: median {np.median(distinct):.3f}, highest {distinct.max():.3f}.", ""]
    top = np.argsort(-distinct)[:5]
    items = [features.items[r] for r in original_rows]
    lines.append("The most similar distinct pairs: " + "; ".join(
        f"{items[upper[0][t]].path.relative_to(hymenoptera)} ~ {items[upper[1][t]].path.relative_to(hymenoptera)} "
        f"{distinct[t]:.3f}" for t in top
    ) + ".")
    lines.append("")
    return lines


# ---- 3. near-duplicates in trashnet ---------------------------------------------------------------
def duplicates_section(trashnet: Path, args: argparse.Namespace, workdir: Path) -> list[str]:
    from tlgui.core.quality.duplicates import DuplicateKind, find_near_duplicates, similar_pairs
    from tlgui.core.quality.features import photo_features

    dataset = load_folder(trashnet)
    started = time.perf_counter()
    report = find_near_duplicates(dataset, device=args.device, cache=cache_in(workdir))
    seconds = time.perf_counter() - started
    vectors = photo_features(dataset, device=args.device, cache=cache_in(workdir)).vectors
    counts = {t: len(similar_pairs(vectors, t)[0]) for t in THRESHOLDS}
    print(f"[duplicates] {len(report.pairs)} pairs in {seconds:.1f} s", flush=True)
    names = {frozenset((p.first.path.stem, p.second.path.stem)) for p in report.pairs}
    known = [f"{a} = {b}: {'found' if frozenset((a, b)) in names else 'MISSED'}" for a, b in KNOWN_TRASHNET_DUPLICATES]
    by_kind = {kind: sum(kind in p.kinds for p in report.pairs) for kind in DuplicateKind}
    lines = [f"## Near-duplicates in trashnet (threshold {report.threshold:.2f})", ""]
    lines.append(
        f"{len(report.pairs)} pairs among {report.checked} photos in {seconds:.1f} s (warm feature cache): "
        + ", ".join(f"{n} {kind}" for kind, n in by_kind.items())
        + f"; {sum(p.identical for p in report.pairs)} identical files. Known exact duplicates: {'; '.join(known)}."
    )
    lines += ["", "Pairs flagged at other thresholds: " + ", ".join(f"{t:.2f}: {n}" for t, n in counts.items()) + "."]
    lines += ["", "| similarity | first | second | kinds |", "|---:|---|---|---|"]
    for p in report.pairs[:40]:
        lines.append(
            f"| {p.similarity:.3f} | {p.first.path.relative_to(trashnet)} | {p.second.path.relative_to(trashnet)} "
            f"| {', '.join(p.kinds)} |"
        )
    lines.append("")
    return lines


if __name__ == "__main__":
    sys.exit(main())
