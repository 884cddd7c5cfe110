"""2. The app's extraction / the plain torchvision reference loop over the same images.

The reference is what a tutorial writes: ``ImageFolder`` + ``DataLoader(num_workers=2)`` with
``Resize(256)`` (torchvision's default, bilinear), ``CenterCrop(224)``, ``ToTensor``, ``Normalize``
(the backbone's mean and std), fp32, default (contiguous) memory format, ``torch.no_grad()``, and a
forward of the same network to the same boundary (pooled features). Both sides read the same JPEGs
(a folder of symbolic links, so ImageFolder sees exactly the app's list) and include their own
start-up (DataLoader workers, decode thread pool), as a real pass over a folder does.
"""

from __future__ import annotations

import os
import shutil

import torch

from benchmarks.common import Context, Row, compare, interleaved, ratio_row, sync
from benchmarks.extract import BATCH, AppExtraction

NAME = "torchvision"
TARGET = 2.0
WORKERS = 2


class TorchvisionLoop:
    def __init__(self, ctx: Context, paths, boundary: int):
        from torchvision import datasets, transforms

        root = ctx.workdir / "imagefolder"
        shutil.rmtree(root, ignore_errors=True)
        for path in paths:
            link = root / path.parent.name / f"{path.parent.parent.name}_{path.name}"
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path, link)
        net = ctx.backbone()
        from tlgui.core.backbones.catalogue import get_spec

        prep = get_spec(net.backbone_id).preprocessing
        transform = transforms.Compose([
            transforms.Resize(prep.resize_size),
            transforms.CenterCrop(prep.input_size),
            transforms.ToTensor(),
            transforms.Normalize(prep.mean, prep.std),
        ])
        self.dataset = datasets.ImageFolder(str(root), transform=transform)
        if len(self.dataset) != len(paths):
            raise RuntimeError(f"ImageFolder found {len(self.dataset)} of {len(paths)} images")
        self.device = ctx.settings().device
        self.net = net.to(self.device).eval()
        self.boundary = boundary

    def run(self) -> int:
        loader = torch.utils.data.DataLoader(self.dataset, batch_size=BATCH, shuffle=False, num_workers=WORKERS)
        n = 0
        with torch.no_grad():
            for x, _y in loader:
                out = self.net.forward_until(self.boundary, x.to(self.device))
                n += len(out)
        sync(self.device)
        return n

    def warm_up(self) -> None:
        with torch.no_grad():
            self.net.forward_until(self.boundary, self.dataset[0][0].unsqueeze(0).to(self.device))


def run(ctx: Context) -> list[Row]:
    n = 32 if ctx.quick else 128
    paths = ctx.image_subset(n)
    app = AppExtraction(ctx, paths)
    reference = TorchvisionLoop(ctx, paths, app.boundary)
    app.warm_up()
    reference.warm_up()
    # The reference is slow (seconds a round): two rounds at least, a third when time allows.
    rounds = ctx.rounds if ctx.quick else {**ctx.rounds, "rounds": 2, "max_rounds": 3}
    times = interleaved({"app": app.run, "reference": reference.run}, **rounds)
    app_rate, ref_rate, rounds_note, extra = compare(times, n, "app", "reference", ("app", "reference"))
    note = (f"{n} hymenoptera JPEGs, batch {BATCH}; reference fp32 contiguous, DataLoader(num_workers={WORKERS}), "
            f"bilinear Resize; {rounds_note} (CPU includes the worker processes)")
    row = ratio_row("extraction / torchvision loop", app_rate, ref_rate, "img/s", at_least=TARGET, note=note)
    row.extra = extra
    return [row]
